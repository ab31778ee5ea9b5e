import {
  describe,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  makeVariant,
  type OutcomeInput,
  type Variant,
} from "@assay/core";
import { chooseRange, NativeBucketer, nativeKey, nativeUnitPoint, variantRanges } from "@assay/hashing";
import { callName, quoteList, StepExperimentError } from "./errors.js";
import { inngestBucket } from "./hash/inngest-bucket.js";

/**
 * What the steps package needs from an Assay client (`createAssay` in @assay/runtime): assign and record on
 * the experiments an `assay.toml` declares, and the event store they record into.
 */
export interface AssayClientLike {
  assign(experiment: string, ctx: ExperimentContext): Variant;
  expose(
    variant: Variant,
    ctx: ExperimentContext,
    options?: { readonly timestamp?: Date; readonly eventId?: string },
  ): Promise<void>;
  track(
    experiment: string,
    metric: string,
    value: OutcomeInput,
    ctx: ExperimentContext,
    options?: { readonly timestamp?: Date; readonly eventId?: string },
  ): Promise<void>;
  experiments(): readonly ExperimentDefinition[];
  readonly store: EventStore;
}

/** What a strategy is given when an experiment runs. */
export interface SelectionInput {
  /** The id passed to `group.experiment`. */
  readonly experiment: string;
  /** The durable run: same run, same id, across retries and replays. */
  readonly runId: string;
  /** The variant names, in declared order. */
  readonly variants: readonly string[];
  /** The Assay client of the configuration, when one was given (needed by `bucket(key, { manifest })`). */
  readonly assay?: AssayClientLike;
}

/** What a strategy chose. */
export interface Selection {
  readonly variant: string;
}

export type StrategyKind = "weighted" | "bucket" | "custom" | "fixed";

/**
 * Where a step experiment's exposure and scores are recorded: the experiment id and unit they carry, and
 * whether they go through the Assay client (`"assay"`: an experiment of `assay.toml`, recorded by its backend)
 * or straight into the event store (`"store"`).
 */
export interface Attribution {
  readonly experiment: string;
  readonly via: "assay" | "store";
  readonly unit: ExperimentContext;
  /**
   * For `via: "assay"`: the Assay variant to expose for the memoized `variant` (what `assay.assign` gives the
   * unit when it agrees, so enrolment and the reason are the web side's).
   */
  readonly assigned?: (variant: string) => Variant;
}

/** How a local `bucket` hashes its key. */
export type BucketHash = "assay" | "inngest";

/**
 * A selection strategy made by `experiment.weighted / bucket / custom / fixed`. `select` chooses once per
 * run (the choice is memoized by the adapter); `target` says, without choosing, where exposures and scores
 * are recorded and for which unit: the run for weighted, custom and fixed, the key for bucket.
 */
export interface SelectionStrategy {
  readonly kind: StrategyKind;
  /** The weights as given (weighted, bucket), snapshotted. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The `assay.toml` experiment a manifest bucket delegates to. */
  readonly manifest?: string;
  /** How a local bucket hashes its key (`"assay"` unless `{ hash: "inngest" }`). */
  readonly hash?: BucketHash;
  /**
   * The weights this strategy selects with for these variants (those of `assay.toml` for a manifest
   * bucket), or undefined for equal weights and for custom and fixed: what the Inngest adapter reports as
   * the experiment's `variant_weights`.
   */
  weightsFor(input: SelectionInput): Readonly<Record<string, number>> | undefined;
  target(input: SelectionInput): Attribution;
  select(input: SelectionInput): Selection | Promise<Selection>;
}

/** A custom selector: returns one of the variant names, synchronously or not. */
export type CustomSelector = (input: SelectionInput) => string | Promise<string>;

/** A bucket key: a stable id such as an account or user id. `null`, `undefined` and `""` are missing. */
export type BucketKey = string | number | bigint | null | undefined;

export interface BucketOptions {
  /** Relative weights per variant; equal weights when omitted. Not allowed with `manifest`. */
  readonly weights?: Readonly<Record<string, number>>;
  /**
   * Delegate to an experiment declared in `assay.toml` (`true`: the one with the same id as the step
   * experiment), through the Assay client's `assign`, so a worker and the web app give the same unit the same
   * variant. The key is used as the experiment's unit (user id, session id or the unit attribute).
   */
  readonly manifest?: string | true;
  /**
   * How the key is hashed. `"assay"` (default): Assay's native hash of `<experiment>:<key>`, salted by the
   * experiment id. `"inngest"`: exactly the Inngest SDK's `experiment.bucket()` (SHA-256 of the key, no salt,
   * variants in `localeCompare` order), so keys keep their variants when a workflow moves from the SDK's own
   * experiments to Assay; two experiments bucketing one key then correlate, as they do in the SDK.
   */
  readonly hash?: BucketHash;
  /**
   * A missing key (`null`, `undefined`, `""`) is an error unless this is true. When allowed, a run without a
   * key is randomized by its run id (like `weighted`) instead of collapsing every keyless run into one
   * bucket; with `manifest`, it gets what the web side gives an anonymous unit (control, not enrolled).
   */
  readonly allowMissingKey?: boolean;
}

const STRATEGY = Symbol.for("assay.steps.strategy");

/** True when `value` was made by one of the `experiment.*` helpers. */
export function isSelectionStrategy(value: unknown): value is SelectionStrategy {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[STRATEGY] === true;
}

function brand<T extends SelectionStrategy>(strategy: T): T {
  Object.defineProperty(strategy, STRATEGY, { value: true });
  return Object.freeze(strategy);
}

function runTarget(input: SelectionInput): Attribution {
  return { experiment: input.experiment, via: "store", unit: { userId: input.runId, attributes: {} } };
}

/**
 * Validates relative weights where they are written: an object of finite, non-negative numbers with a
 * positive total. Returns a frozen snapshot, so later mutation of the caller's object changes nothing.
 */
function validateWeights(api: string, weights: unknown): Readonly<Record<string, number>> {
  if (typeof weights !== "object" || weights === null || Array.isArray(weights)) {
    throw new StepExperimentError(
      `${api}: weights must be an object of variant name -> relative weight, such as { current: 90, rewrite: 10 }; got ${describe(weights)}`,
    );
  }
  const entries = Object.entries(weights);
  if (entries.length === 0) {
    throw new StepExperimentError(`${api}: weights must name at least one variant`);
  }
  let total = 0;
  for (const [name, w] of entries) {
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new StepExperimentError(
        `${api}: the weight of ${JSON.stringify(name)} must be a finite number >= 0, got ${describe(w)}`,
      );
    }
    total += w;
  }
  if (!(total > 0)) {
    throw new StepExperimentError(
      `${api}: weights must not all be zero; give at least one variant a positive weight`,
    );
  }
  return Object.freeze(Object.fromEntries(entries)) as Readonly<Record<string, number>>;
}

/**
 * The weights in declared variant order, checked against the variants the experiment declares: every
 * weight must name a variant and every variant must have a weight (0 to never select it).
 */
function weightsInVariantOrder(
  api: string,
  experiment: string,
  weights: Readonly<Record<string, number>>,
  variants: readonly string[],
): number[] {
  const declared = new Set(variants);
  for (const name of Object.keys(weights)) {
    if (!declared.has(name)) {
      throw new StepExperimentError(
        `${callName(experiment)}: ${api} weights name ${JSON.stringify(name)}, which is not a variant; valid variants: ${quoteList(variants)}`,
      );
    }
  }
  const missing = variants.filter((v) => !(v in weights));
  if (missing.length > 0) {
    throw new StepExperimentError(
      `${callName(experiment)}: ${api} weights give no weight to ${quoteList(missing)}; add ${missing.length === 1 ? "it" : "them"} to the weights (0 to never select ${missing.length === 1 ? "it" : "them"})`,
    );
  }
  const ordered = variants.map((v) => weights[v] ?? 0);
  if (!ordered.some((w) => w > 0)) {
    throw new StepExperimentError(`${callName(experiment)}: ${api} weights are all zero`);
  }
  return ordered;
}

/** Picks by the run id: the point `hash("weighted:<experiment>:<runId>")` in the ranges of the weights. */
function pickByRun(input: SelectionInput, weights: readonly number[]): string {
  const point = nativeUnitPoint(nativeKey(input.experiment, input.runId, "weighted"));
  const index = chooseRange(point, variantRanges(weights));
  return input.variants[index < 0 ? input.variants.length - 1 : index]!;
}

/**
 * Relative weights, seeded by the run id (and salted by the experiment id): the same run always gets the same
 * variant, and over many runs the shares match the weights. `{ current: 99, rewrite: 1 }` canaries a rewrite
 * on about one run in a hundred. Throws StepExperimentError at once for invalid weights.
 */
function weighted(weights: Readonly<Record<string, number>>): SelectionStrategy {
  const snapshot = validateWeights("experiment.weighted()", weights);
  return brand({
    kind: "weighted",
    weights: snapshot,
    weightsFor: () => snapshot,
    target: runTarget,
    select(input: SelectionInput): Selection {
      const ordered = weightsInVariantOrder(
        "experiment.weighted()",
        input.experiment,
        snapshot,
        input.variants,
      );
      return { variant: pickByRun(input, ordered) };
    },
  });
}

function normalizeKey(key: unknown): string | undefined {
  if (key === null || key === undefined || key === "") return undefined;
  if (typeof key === "string") return key;
  if ((typeof key === "number" && Number.isFinite(key)) || typeof key === "bigint") return String(key);
  throw new StepExperimentError(
    `experiment.bucket(): the key must be a string or a finite number (an account, user or tenant id), got ${describe(key)}`,
  );
}

function missingKey(experiment: string): StepExperimentError {
  return new StepExperimentError(
    `${callName(experiment)}: experiment.bucket() got no key (null, undefined or ""); pass a stable id such as event.data.accountId, or set { allowMissingKey: true } to randomize keyless runs by run id`,
  );
}

/** The manifest experiment a delegating bucket names, checked against the variants of the step experiment. */
function manifestDefinition(input: SelectionInput, manifestId: string): ExperimentDefinition {
  const assay = input.assay;
  if (assay === undefined) {
    throw new StepExperimentError(
      `${callName(input.experiment)}: experiment.bucket(key, { manifest: ${JSON.stringify(manifestId)} }) needs an Assay client; pass { assay } (from createAssay) to createStepExperiments`,
    );
  }
  const definitions = assay.experiments();
  const definition = definitions.find((d) => d.id === manifestId);
  if (definition === undefined) {
    throw new StepExperimentError(
      `${callName(input.experiment)}: experiment.bucket() delegates to ${JSON.stringify(manifestId)}, which assay.toml does not declare; declared experiments: ${quoteList(definitions.map((d) => d.id)) || "none"}`,
    );
  }
  const declared = definition.variants.map((v) => v.id);
  const unknownInCode = input.variants.filter((v) => !declared.includes(v));
  const unknownInManifest = declared.filter((v) => !input.variants.includes(v));
  if (unknownInCode.length > 0 || unknownInManifest.length > 0) {
    throw new StepExperimentError(
      `${callName(input.experiment)}: the variants must be those of assay.toml experiment ${JSON.stringify(manifestId)} (${quoteList(declared)})${unknownInCode.length > 0 ? `; not in assay.toml: ${quoteList(unknownInCode)}` : ""}${unknownInManifest.length > 0 ? `; missing from variants: ${quoteList(unknownInManifest)}` : ""}`,
    );
  }
  return definition;
}

/**
 * The context the web side would build for this key, given the manifest experiment's unit. For an attribute
 * unit (`unit = "account"`) the key is also the user id, so the exposure names the unit that was hashed.
 */
function manifestContext(definition: ExperimentDefinition, key: string | undefined): ExperimentContext {
  if (key === undefined) return { attributes: {} };
  if (definition.unit === "user") return { userId: key, attributes: {} };
  if (definition.unit === "session") return { sessionId: key, attributes: {} };
  return { userId: key, attributes: { [definition.unit]: key } };
}

/** The Assay variant a manifest experiment gives `variant`: `assay.assign`'s own when it agrees. */
function manifestVariant(
  assay: AssayClientLike,
  definition: ExperimentDefinition,
  unit: ExperimentContext,
  variant: string,
): Variant {
  const assigned = assay.assign(definition.id, unit);
  if (assigned.variantId === variant) return assigned;
  const isControl = definition.variants.find((v) => v.id === variant)?.isControl === true;
  return makeVariant(definition.id, variant, isControl, assigned.inExperiment, "sticky");
}

/**
 * Stable per key: the key is hashed with the experiment id as salt (`<experiment>:<key>`, Assay's native
 * hash), so a key keeps its variant across runs and processes, and its bucket in one experiment says nothing
 * about its bucket in another. `{ hash: "inngest" }` hashes exactly as the Inngest SDK's own
 * `experiment.bucket()` instead. Weights are relative (equal when omitted). With `{ manifest }` the choice is
 * delegated to an `assay.toml` experiment through the Assay client, so the web app and the worker agree.
 */
function bucket(key: BucketKey, options: BucketOptions = {}): SelectionStrategy {
  const api = "experiment.bucket()";
  if (typeof options !== "object" || options === null) {
    throw new StepExperimentError(`${api}: options must be an object, got ${describe(options)}`);
  }
  const normalized = normalizeKey(key);
  const allowMissingKey = options.allowMissingKey === true;
  const snapshot = options.weights === undefined ? undefined : validateWeights(api, options.weights);
  const hash = options.hash ?? "assay";
  if (hash !== "assay" && hash !== "inngest") {
    throw new StepExperimentError(`${api}: hash must be "assay" or "inngest", got ${describe(options.hash)}`);
  }
  if (options.manifest !== undefined) {
    if (snapshot !== undefined) {
      throw new StepExperimentError(
        `${api}: weights cannot be combined with { manifest }; the weights of a manifest experiment are those in assay.toml`,
      );
    }
    if (options.hash !== undefined) {
      throw new StepExperimentError(
        `${api}: hash cannot be combined with { manifest }; a manifest experiment hashes as its backend in assay.toml says`,
      );
    }
    if (
      options.manifest !== true &&
      (typeof options.manifest !== "string" || options.manifest.length === 0)
    ) {
      throw new StepExperimentError(
        `${api}: manifest must be true or the id of an experiment in assay.toml, got ${describe(options.manifest)}`,
      );
    }
    return manifestBucket(normalized, options.manifest, allowMissingKey);
  }
  const weightsOf = (input: SelectionInput): Readonly<Record<string, number>> => {
    if (snapshot === undefined) return Object.fromEntries(input.variants.map((v) => [v, 1]));
    weightsInVariantOrder(api, input.experiment, snapshot, input.variants);
    return snapshot;
  };
  return brand({
    kind: "bucket",
    hash,
    ...(snapshot !== undefined ? { weights: snapshot } : {}),
    weightsFor: () => snapshot,
    target(input: SelectionInput): Attribution {
      if (normalized === undefined) return runTarget(input);
      return { experiment: input.experiment, via: "store", unit: { userId: normalized, attributes: {} } };
    },
    select(input: SelectionInput): Selection {
      const weights = weightsOf(input);
      const ordered = input.variants.map((v) => weights[v] ?? 0);
      if (normalized === undefined) {
        if (!allowMissingKey) throw missingKey(input.experiment);
        return { variant: pickByRun(input, ordered) };
      }
      if (hash === "inngest") return { variant: inngestBucket(normalized, weights) };
      const index = new NativeBucketer({ experiment: input.experiment, weights: ordered }).bucket(normalized);
      return { variant: input.variants[index < 0 ? input.variants.length - 1 : index]! };
    },
  });
}

/** `bucket(key, { manifest })`: the choice of an `assay.toml` experiment, through `assay.assign`. */
function manifestBucket(
  normalized: string | undefined,
  manifestOption: string | true,
  allowMissingKey: boolean,
): SelectionStrategy {
  const manifestId = (input: SelectionInput) => (manifestOption === true ? input.experiment : manifestOption);
  return brand({
    kind: "bucket",
    ...(typeof manifestOption === "string" ? { manifest: manifestOption } : {}),
    weightsFor(input: SelectionInput): Readonly<Record<string, number>> {
      const definition = manifestDefinition(input, manifestId(input));
      return Object.fromEntries(definition.variants.map((v) => [v.id, v.weight]));
    },
    target(input: SelectionInput): Attribution {
      const definition = manifestDefinition(input, manifestId(input));
      const unit = manifestContext(definition, normalized);
      const assay = input.assay!;
      return {
        experiment: definition.id,
        via: "assay",
        unit,
        assigned: (variant) => manifestVariant(assay, definition, unit, variant),
      };
    },
    select(input: SelectionInput): Selection {
      if (normalized === undefined && !allowMissingKey) throw missingKey(input.experiment);
      const definition = manifestDefinition(input, manifestId(input));
      const assigned = input.assay!.assign(definition.id, manifestContext(definition, normalized));
      return { variant: assigned.variantId };
    },
  });
}

/**
 * Your own assignment logic (a flag, a rollout table, an entitlement): `fn` returns one of the variant
 * names, sync or async. It runs inside the memoized selection, so once per run.
 */
function custom(fn: CustomSelector): SelectionStrategy {
  if (typeof fn !== "function") {
    throw new StepExperimentError(
      `experiment.custom(): expects a function returning a variant name, got ${describe(fn)}`,
    );
  }
  return brand({
    kind: "custom",
    weightsFor: () => undefined,
    target: runTarget,
    async select(input: SelectionInput): Promise<Selection> {
      const variant = await fn(input);
      return { variant: variant as string };
    },
  });
}

/** Always `name`: a manual override, or a winner pinned while the experiment is being removed. */
function fixed(name: string): SelectionStrategy {
  if (typeof name !== "string" || name.length === 0) {
    throw new StepExperimentError(`experiment.fixed(): expects a variant name, got ${describe(name)}`);
  }
  return brand({
    kind: "fixed",
    weightsFor: () => undefined,
    target: runTarget,
    select(): Selection {
      return { variant: name };
    },
  });
}

/** The selection strategies of `group.experiment({ select })`. */
export const experiment = { weighted, bucket, custom, fixed } as const;
