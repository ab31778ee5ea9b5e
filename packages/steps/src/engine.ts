import { AsyncLocalStorage } from "node:async_hooks";
import {
  describe,
  type EventStore,
  type ExperimentContext,
  exposureEvent,
  makeVariant,
  outcomeEvent,
  recordEvent,
  toOutcomeValue,
  type Variant,
  validateExposure,
  validateOutcome,
} from "@assay/core";
import { callName, quoteList, StepExperimentError } from "./errors.js";
import type { MemoStore } from "./memo/memo-store.js";
import {
  type AssayClientLike,
  type Attribution,
  isSelectionStrategy,
  type SelectionInput,
  type SelectionStrategy,
} from "./strategies.js";

/** A score value: a finite number or a boolean (true counts as 1 in means). */
export type ScoreValue = number | boolean;

/** Where step experiments record, and (for plain Node workers) where they memoize. */
export interface StepExperimentsOptions {
  /**
   * An Assay client (`createAssay`): exposures and scores land in its event store, and
   * `experiment.bucket(key, { manifest })` delegates to the experiments of its `assay.toml`.
   */
  readonly assay?: AssayClientLike;
  /** An event store to record into when there is no Assay client. */
  readonly store?: EventStore;
  /** Selections and step outputs of plain Node runs (`run`); not used by the Inngest adapter. */
  readonly memo?: MemoStore;
  /** The clock of exposures and scores. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * A replay-stable, JSON-serializable handle on one run's participation in one experiment: pass it (in an
 * event, a queue message, a database row) to whatever learns the outcome later, and record it with
 * `steps.score(ref, name, value)`.
 */
export interface ExperimentRef {
  /** The experiment the events are recorded under (the manifest experiment when delegated). */
  readonly experiment: string;
  readonly variant: string;
  readonly runId: string;
  readonly via: "assay" | "store";
  readonly unit: ExperimentContext;
}

/** What a variant callback receives. */
export interface VariantContext {
  readonly experiment: string;
  readonly variant: string;
  readonly runId: string;
  readonly ref: ExperimentRef;
  /** Records an outcome of this run attributed to this variant; once per name per run (replays dedupe). */
  score(name: string, value: ScoreValue): Promise<void>;
}

export type VariantCallback = (ctx: VariantContext) => unknown;
export type VariantMap = Record<string, VariantCallback>;
export type VariantResult<V extends VariantMap> = Awaited<ReturnType<V[keyof V]>>;

export interface ExperimentOptions<V extends VariantMap> {
  /** One callback per variant; only the selected one runs, and it must perform at least one durable step. */
  readonly variants: V;
  /** A strategy from `experiment.weighted / bucket / custom / fixed`. */
  readonly select: SelectionStrategy;
  /** Return `{ result, variant, ref }` instead of the bare result. */
  readonly withVariant?: boolean;
}

export interface ExperimentOutcome<V extends VariantMap> {
  readonly result: VariantResult<V>;
  readonly variant: keyof V & string;
  readonly ref: ExperimentRef;
}

/** `group.experiment` on both adapters. */
export interface GroupExperiment {
  <V extends VariantMap>(
    id: string,
    options: ExperimentOptions<V> & { readonly withVariant: true },
  ): Promise<ExperimentOutcome<V>>;
  <V extends VariantMap>(
    id: string,
    options: ExperimentOptions<V> & { readonly withVariant?: false },
  ): Promise<VariantResult<V>>;
}

export interface StepGroup {
  readonly experiment: GroupExperiment;
}

/** How an adapter memoizes a selection: run `choose` at most once per run and experiment. */
export interface SelectionMemo {
  readonly runId: string;
  /**
   * The memoized selection of `experiment`, or the result of `choose()` stored as this run's selection.
   * `runId` is the run id seen when the selection was made (stable even where replays see another id).
   */
  memoize(experiment: string, choose: () => Promise<MemoizedSelection>): Promise<MemoizedSelection>;
  /** Turns a configuration error into the adapter's non-retriable failure. */
  fail(error: StepExperimentError): Error;
  /** Which step tools count as durable, appended to the zero-step error. */
  readonly stepHint?: string;
}

export interface MemoizedSelection {
  readonly variant: string;
  readonly runId: string;
}

interface Tracker {
  found: boolean;
  readonly parent: Tracker | undefined;
}

interface VariantScope {
  readonly tracker: Tracker;
  readonly context: VariantContext;
}

const scopes = new AsyncLocalStorage<VariantScope>();

/** Adapters call this when a durable step tool is used: it marks every enclosing variant as durable. */
export function markDurableStep(): void {
  for (let t = scopes.getStore()?.tracker; t !== undefined; t = t.parent) t.found = true;
}

/**
 * Records an outcome for the run's variant from inside the selected variant callback (the same as the
 * callback's `ctx.score`). Throws when called outside a variant callback.
 */
export function score(name: string, value: ScoreValue): Promise<void> {
  const scope = scopes.getStore();
  if (scope === undefined) {
    return Promise.reject(
      new StepExperimentError(
        `score(${JSON.stringify(name)}): call it inside the selected variant callback of group.experiment; for a score that arrives later, keep the ref from group.experiment(id, { withVariant: true }) and call steps.score(ref, name, value)`,
      ),
    );
  }
  return scope.context.score(name, value);
}

/** The recorder half of a configuration: exposures and scores, idempotent per run. */
export class Recorder {
  private readonly now: () => Date;

  constructor(private readonly options: StepExperimentsOptions) {
    if (options.assay === undefined && options.store === undefined) {
      throw new StepExperimentError(
        "createStepExperiments(): pass { assay } (from createAssay) or { store } (an EventStore) so exposures and scores are recorded",
      );
    }
    this.now = options.now ?? (() => new Date());
  }

  get assay(): AssayClientLike | undefined {
    return this.options.assay;
  }

  /** One exposure per run and experiment (its event id is derived from both, so retries dedupe). */
  async exposure(target: Attribution, variant: string, runId: string, assigned?: Variant): Promise<void> {
    const eventId = `step:${runId}:${target.experiment}:exposure`;
    const timestamp = this.now();
    if (target.via === "assay") {
      const assay = this.requireAssay(target.experiment);
      const v = assigned ?? makeVariant(target.experiment, variant, false, true, "sticky");
      await assay.expose(v, target.unit, { timestamp, eventId });
      return;
    }
    const record = validateExposure({
      experiment: target.experiment,
      variantId: variant,
      ...unitIds(target.unit),
      timestamp,
      eventId,
    });
    await recordEvent(this.store(), exposureEvent(record));
  }

  /**
   * Records score `name` of the run in `ref`. The event id is derived from run, experiment and name, so a
   * replayed or retried run records each score once; pass `eventId` to record several values of one name.
   */
  async score(
    ref: ExperimentRef,
    name: string,
    value: ScoreValue,
    options: { readonly eventId?: string; readonly timestamp?: Date } = {},
  ): Promise<void> {
    validateRef(ref);
    validateScore(ref.experiment, name, value);
    // A keyless run of a manifest experiment is an anonymous unit: not enrolled, so its scores count nowhere.
    if (ref.unit.userId === undefined && ref.unit.sessionId === undefined) return;
    const eventId = options.eventId ?? `step:${ref.runId}:${ref.experiment}:score:${name}`;
    const timestamp = options.timestamp ?? this.now();
    if (ref.via === "assay") {
      await this.requireAssay(ref.experiment).track(ref.experiment, name, value, ref.unit, {
        timestamp,
        eventId,
      });
      return;
    }
    const record = validateOutcome({
      experiment: ref.experiment,
      metric: name,
      value: toOutcomeValue(value),
      ...unitIds(ref.unit),
      timestamp,
      eventId,
    });
    await recordEvent(this.store(), outcomeEvent(record));
  }

  private store(): EventStore {
    return (this.options.store ?? this.options.assay?.store)!;
  }

  private requireAssay(experiment: string): AssayClientLike {
    if (this.options.assay === undefined) {
      throw new StepExperimentError(
        `${callName(experiment)}: recording a manifest experiment needs the Assay client; pass { assay } to createStepExperiments`,
      );
    }
    return this.options.assay;
  }
}

function unitIds(unit: ExperimentContext): { userId?: string; sessionId?: string } {
  return {
    ...(unit.userId !== undefined ? { userId: unit.userId } : {}),
    ...(unit.sessionId !== undefined ? { sessionId: unit.sessionId } : {}),
  };
}

const MAX_SCORE_NAME = 128;

/** Throws StepExperimentError unless `name` is a usable metric name and `value` a finite number or boolean. */
export function validateScore(experiment: string, name: unknown, value: unknown): void {
  const call = `score(${typeof name === "string" ? JSON.stringify(name) : "…"}) in ${callName(experiment)}`;
  if (typeof name !== "string" || name.length === 0) {
    throw new StepExperimentError(
      `${call}: the score name must be a non-empty string, got ${describe(name)}`,
    );
  }
  if (name.length > MAX_SCORE_NAME || /[\p{Cc}]/u.test(name)) {
    throw new StepExperimentError(
      `${call}: the score name must be at most ${MAX_SCORE_NAME} characters without control characters`,
    );
  }
  if (typeof value === "boolean") return;
  if (typeof value === "number" && Number.isFinite(value)) return;
  throw new StepExperimentError(
    `${call}: the value must be a finite number or a boolean, got ${describe(value)}; ${
      typeof value === "string"
        ? "convert it first (Number(x), or x === 'yes' for a boolean)"
        : "NaN and Infinity usually come from a division by zero or a failed parse: score a real measurement or skip the score"
    }`,
  );
}

function validateRef(ref: unknown): asserts ref is ExperimentRef {
  const r = ref as Partial<ExperimentRef> | null;
  if (
    typeof r !== "object" ||
    r === null ||
    typeof r.experiment !== "string" ||
    typeof r.variant !== "string" ||
    typeof r.runId !== "string" ||
    (r.via !== "assay" && r.via !== "store") ||
    typeof r.unit !== "object" ||
    r.unit === null
  ) {
    throw new StepExperimentError(
      `steps.score(ref, ...): ref must be the ref returned by group.experiment(id, { withVariant: true }), got ${describe(ref)}`,
    );
  }
}

/**
 * `group.experiment` for one run on one adapter: validate, select once (memoized by the adapter), record the
 * exposure with the selection, run only the selected variant, check that it did a durable step.
 */
export function createGroup(memo: SelectionMemo, recorder: Recorder): StepGroup {
  const seen = new Set<string>();
  const experiment = async (id: string, options: ExperimentOptions<VariantMap>): Promise<unknown> => {
    try {
      return await runExperiment(memo, recorder, seen, id, options);
    } catch (error) {
      throw error instanceof StepExperimentError ? memo.fail(error) : error;
    }
  };
  return { experiment: experiment as GroupExperiment };
}

async function runExperiment(
  memo: SelectionMemo,
  recorder: Recorder,
  seen: Set<string>,
  id: string,
  options: ExperimentOptions<VariantMap>,
): Promise<unknown> {
  if (typeof id !== "string" || id.length === 0) {
    throw new StepExperimentError(`group.experiment(id): id must be a non-empty string, got ${describe(id)}`);
  }
  const call = callName(id);
  if (seen.has(id)) {
    throw new StepExperimentError(
      `${call}: the id is used twice in one run; give every experiment in a function its own id, or the second would replay the first one's selection`,
    );
  }
  seen.add(id);
  if (typeof options !== "object" || options === null) {
    throw new StepExperimentError(`${call}: expects { variants, select }, got ${describe(options)}`);
  }
  const { variants, select } = options;
  if (typeof variants !== "object" || variants === null || Object.keys(variants).length === 0) {
    throw new StepExperimentError(
      `${call}: variants must be an object with at least one variant callback, such as { current: () => step.run(...), rewrite: () => step.run(...) }`,
    );
  }
  const names = Object.keys(variants);
  for (const name of names) {
    if (typeof variants[name] !== "function") {
      throw new StepExperimentError(
        `${call}: variant ${JSON.stringify(name)} must be a callback, got ${describe(variants[name])}`,
      );
    }
  }
  if (!isSelectionStrategy(select)) {
    const fromSdk = typeof select === "function" && "__experimentConfig" in select;
    throw new StepExperimentError(
      `${call}: select must come from experiment.weighted(), experiment.bucket(), experiment.custom() or experiment.fixed()${
        fromSdk
          ? ' of @assay/steps; this one is the Inngest SDK\'s: import { experiment } from "@assay/steps" instead of "inngest"'
          : `, got ${describe(select)}`
      }`,
    );
  }
  const input: SelectionInput = {
    experiment: id,
    runId: memo.runId,
    variants: names,
    ...(recorder.assay !== undefined ? { assay: recorder.assay } : {}),
  };

  const selected = await memo.memoize(id, () =>
    choose().catch((error: unknown) => {
      // Inside the adapter's selection step: fail it as non-retriable there, before the SDK records it.
      throw error instanceof StepExperimentError ? memo.fail(error) : error;
    }),
  );
  async function choose(): Promise<MemoizedSelection> {
    const selection = await select.select(input);
    const variant: unknown = selection.variant;
    if (typeof variant !== "string" || !names.includes(variant)) {
      throw new StepExperimentError(
        `${call}: ${select.kind === "custom" ? "the custom selector" : `experiment.${select.kind}()`} returned ${describe(variant)}, which is not a variant; valid variants: ${quoteList(names)}`,
      );
    }
    await recorder.exposure(select.target(input), variant, input.runId, selection.assigned);
    return { variant, runId: input.runId };
  }
  if (!names.includes(selected.variant)) {
    throw new StepExperimentError(
      `${call}: this run selected ${JSON.stringify(selected.variant)} before, which is no longer a variant (valid: ${quoteList(names)}); keep a variant until the runs that selected it have finished`,
    );
  }

  const target = select.target({ ...input, runId: selected.runId });
  const ref: ExperimentRef = Object.freeze({
    experiment: target.experiment,
    variant: selected.variant,
    runId: selected.runId,
    via: target.via,
    unit: target.unit,
  });
  const context: VariantContext = Object.freeze({
    experiment: id,
    variant: selected.variant,
    runId: selected.runId,
    ref,
    score: (name: string, value: ScoreValue) => recorder.score(ref, name, value),
  });
  const tracker: Tracker = { found: false, parent: scopes.getStore()?.tracker };
  const callback = variants[selected.variant]!;
  const result = await scopes.run({ tracker, context }, () => callback(context));
  if (!tracker.found) {
    throw new StepExperimentError(
      `${call}: variant ${JSON.stringify(selected.variant)} performed no durable step; wrap its work in step.run("...", () => ...) so a retry or replay does not run it again${memo.stepHint ?? ""}`,
    );
  }
  return options.withVariant === true ? { result, variant: selected.variant, ref } : result;
}
