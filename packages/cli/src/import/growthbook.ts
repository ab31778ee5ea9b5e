import type { GrowthBookHashing, HashRange, VariantDefinition } from "@assay/core";
import { translateGrowthBookCondition } from "./growthbook-condition.js";
import {
  checkExperimentCount,
  checkVariationCount,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  isObject,
  quote,
  uniqueIds,
  unitFor,
} from "./imported.js";
import type { ImportedTargeting } from "./targeting-rules.js";

/** Rule and experiment fields the import reproduces (or that do not affect assignment). */
const HANDLED = new Set([
  "id",
  "key",
  "seed",
  "hashVersion",
  "hashAttribute",
  "variations",
  "weights",
  "coverage",
  "ranges",
  "meta",
  "namespace",
  "filters",
  "name",
  "phase",
  "status",
  "active",
  "changeId",
  "changes",
  "trackingKey",
  "enabled",
  "variationId",
  "description",
]);

/**
 * Translates a GrowthBook SDK payload (the features endpoint's JSON: `{ features, experiments? }`) into
 * manifest experiments in `growthbook` hashing mode: every experiment rule of every feature, then every inline
 * experiment. Ids are the tracking keys (`rule.key || featureKey`), variant ids the `meta[].key` GrowthBook
 * logs (else the index), seeds `seed || key`, hash version `hashVersion || 1` (the SDK's default), coverage as
 * `traffic`. What a hash cannot reproduce is listed per experiment, never dropped.
 */
export function importGrowthBook(payload: unknown): ImportResult {
  if (!isObject(payload)) throw new ImportError("a GrowthBook payload is a JSON object with `features`");
  if (typeof payload.encryptedFeatures === "string" || typeof payload.encryptedExperiments === "string") {
    throw new ImportError(
      "the payload is encrypted (encryptedFeatures); export it decrypted, or fetch it with the SDK and save `gb.getPayload()`",
    );
  }
  const features = isObject(payload.features) ? payload.features : {};
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  for (const [featureKey, feature] of Object.entries(features)) {
    const rules = isObject(feature) && Array.isArray(feature.rules) ? feature.rules : [];
    const earlier: string[] = [];
    // feature-level fields other than the default value and the rules (a holdout, prerequisites...) apply to
    // every rule: listed on each experiment of the feature
    if (isObject(feature)) {
      for (const [field, value] of Object.entries(feature)) {
        if (field !== "defaultValue" && field !== "rules") {
          earlier.push(`feature field ${quote(field)} (${quote(value)}) is not reproduced: check it by hand`);
        }
      }
    }
    let found = false;
    rules.forEach((rule, index) => {
      if (!isObject(rule)) return;
      const origin = `feature ${quote(featureKey)}, rule ${index}${typeof rule.id === "string" ? ` (${quote(rule.id, 80)})` : ""}`;
      if (!Array.isArray(rule.variations)) {
        if ("force" in rule) earlier.push(describeForceRule(rule, index));
        return;
      }
      found = true;
      const key = str(rule.key) || featureKey;
      experiments.push(translate(rule, key, origin, earlier));
    });
    if (!found)
      skipped.push(`feature ${quote(featureKey)}: no experiment rule (a flag or rollout, not an experiment)`);
  }
  const inline = Array.isArray(payload.experiments) ? payload.experiments : [];
  inline.forEach((experiment, index) => {
    if (!isObject(experiment) || !Array.isArray(experiment.variations) || !str(experiment.key)) {
      skipped.push(`experiments[${index}]: not an experiment with a key and variations`);
      return;
    }
    experiments.push(translate(experiment, str(experiment.key), `experiments[${index}] (inline)`, []));
  });
  checkExperimentCount(experiments.length);
  return { vendor: "growthbook", experiments: uniqueIds(experiments), skipped };
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function describeForceRule(rule: Record<string, unknown>, index: number): string {
  const parts = [`rule ${index} before it forces ${quote(rule.force)}`];
  if (rule.condition !== undefined) parts.push(`to units matching ${quote(rule.condition)}`);
  if (rule.coverage !== undefined || rule.range !== undefined) parts.push("for part of the traffic");
  return `${parts.join(" ")}: GrowthBook serves those units that value and never reaches this experiment (forced users / overrides)`;
}

function translate(
  spec: Record<string, unknown>,
  key: string,
  origin: string,
  earlierRules: readonly string[],
): ImportedExperiment {
  const notes: string[] = [...earlierRules];
  const variations = spec.variations as unknown[];
  const n = variations.length;
  checkVariationCount(n, origin);
  const meta = Array.isArray(spec.meta) ? spec.meta : [];
  const ids: string[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < n; i++) {
    const m = meta[i];
    const id = isObject(m) && typeof m.key === "string" && m.key !== "" ? m.key : String(i);
    const unique = taken.has(id) ? `${id}_${i}` : id;
    taken.add(unique);
    ids.push(unique);
    if (isObject(m) && m.passthrough === true) {
      notes.push(
        `variation ${quote(id)} is a passthrough (holdout-like: GrowthBook falls through to the next rule)`,
      );
    }
  }
  const weights = validWeights(spec.weights, n);
  if (spec.weights !== undefined && weights === undefined) {
    notes.push(
      `weights ${quote(spec.weights)} are invalid for GrowthBook, which uses equal weights (imported so)`,
    );
  }
  const variants: VariantDefinition[] = ids.map((id, i) => ({
    id,
    weight: weights ? weights[i]! : 1 / n,
    isControl: i === 0,
  }));
  const attribute = str(spec.hashAttribute) || "id";
  let unit = unitFor(attribute, "id");
  if (unit === undefined) {
    unit = "user";
    notes.push(
      `hash attribute ${quote(attribute)} is not a valid unit name; imported as the user id: fix by hand`,
    );
  }
  let coverage = typeof spec.coverage === "number" ? spec.coverage : spec.coverage === null ? 0 : 1;
  coverage = Math.min(1, Math.max(0, coverage));
  const hashing: {
    -readonly [K in keyof GrowthBookHashing]: GrowthBookHashing[K];
  } = {
    mode: "growthbook",
    version: spec.hashVersion === 2 ? 2 : 1,
    seed: str(spec.seed) || key,
  };
  if (spec.hashVersion !== undefined && spec.hashVersion !== 1 && spec.hashVersion !== 2) {
    notes.push(
      `hashVersion ${quote(spec.hashVersion)} is unknown: GrowthBook leaves everyone out; imported as version 1`,
    );
  }
  if (Array.isArray(spec.ranges)) hashing.ranges = spec.ranges.map((r) => rangeOf(r, origin));
  if (Array.isArray(spec.filters) && spec.filters.length > 0) {
    const filters: { seed: string; ranges: HashRange[]; version: 1 | 2 }[] = [];
    for (const f of spec.filters) {
      if (!isObject(f)) continue;
      const filterAttribute = str(f.attribute) || "id";
      if (filterAttribute !== attribute) {
        notes.push(
          `filter ${quote(f.seed)} hashes attribute ${quote(filterAttribute)}, not the unit: not reproduced (everyone passes it here)`,
        );
        continue;
      }
      filters.push({
        seed: str(f.seed),
        ranges: Array.isArray(f.ranges) ? f.ranges.map((r) => rangeOf(r, origin)) : [],
        version: f.hashVersion === 1 ? 1 : 2,
      });
    }
    if (filters.length > 0) hashing.filters = filters;
  } else if (Array.isArray(spec.namespace) && spec.namespace.length === 3) {
    const [id, start, end] = spec.namespace as [unknown, unknown, unknown];
    if (typeof start !== "number" || typeof end !== "number") {
      throw new ImportError(
        `${origin}: namespace ${quote(spec.namespace)} must be [id, start, end] with numbers`,
      );
    }
    hashing.namespace = { id: typeof id === "string" ? id : quote(id), start, end };
  }
  const enabled = spec.active !== false && spec.status !== "draft" && spec.status !== "stopped" && n >= 2;
  if (!enabled)
    notes.push(
      "inactive, draft, stopped or fewer than 2 variations: GrowthBook enrolls nobody (imported with enabled = false)",
    );
  if (typeof spec.force === "number")
    notes.push(`forces variation ${spec.force} for everyone in the experiment (forced users)`);
  let targeting: ImportedTargeting | undefined;
  if (spec.condition !== undefined && !isEmpty(spec.condition)) {
    const translated = translateGrowthBookCondition(spec.condition);
    if (translated.ok) targeting = { include: translated.include, exclude: translated.exclude };
    else
      notes.push(
        `targeting condition ${quote(spec.condition)} (${translated.reason}): units failing it are not in the GrowthBook experiment; here everyone is bucketed`,
      );
  }
  if (spec.parentConditions !== undefined) {
    const holdout = JSON.stringify(spec.parentConditions).includes("$holdout");
    notes.push(
      `prerequisites (parentConditions ${quote(spec.parentConditions)}): ${holdout ? "a holdout: units held out never reach this experiment" : "targeting"}`,
    );
  }
  if (spec.savedGroups !== undefined) notes.push(`saved groups ${quote(spec.savedGroups)}: targeting`);
  if (spec.urlPatterns !== undefined || spec.url !== undefined)
    notes.push("URL targeting (url / urlPatterns)");
  if (spec.include !== undefined) notes.push("an include() callback: targeting");
  if (spec.groups !== undefined) notes.push(`groups ${quote(spec.groups)}: targeting`);
  if (
    spec.fallbackAttribute !== undefined ||
    spec.bucketVersion !== undefined ||
    spec.minBucketVersion !== undefined ||
    spec.disableStickyBucketing === false
  ) {
    notes.push(
      "sticky bucketing (fallbackAttribute / bucketVersion / minBucketVersion): units with a stored sticky bucket keep it in GrowthBook; migrate the sticky-bucket documents or they follow the hash",
    );
  }
  const known = new Set([
    ...HANDLED,
    "force",
    "condition",
    "parentConditions",
    "savedGroups",
    "urlPatterns",
    "url",
    "include",
    "groups",
    "fallbackAttribute",
    "bucketVersion",
    "minBucketVersion",
    "disableStickyBucketing",
    "persistQueryString",
    "tracks",
    "coverage",
  ]);
  for (const field of Object.keys(spec)) {
    if (!known.has(field))
      notes.push(`field ${quote(field)} (${quote(spec[field])}) is not reproduced: check it by hand`);
  }
  return {
    id: key,
    origin,
    variants,
    unit,
    traffic: coverage,
    enabled,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    notReproduced: notes,
  };
}

function isEmpty(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0;
}

/** A `[start, end]` bucket range; anything else cannot be bucketed as GrowthBook does, so the import stops. */
function rangeOf(value: unknown, origin: string): HashRange {
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "number" &&
    typeof value[1] === "number"
  )
    return [value[0], value[1]];
  throw new ImportError(`${origin}: a range must be [start, end] with two numbers, got ${quote(value)}`);
}

/** GrowthBook's own rule: weights of the right length summing to 0.99..1.01, else equal weights. */
function validWeights(value: unknown, n: number): number[] | undefined {
  if (!Array.isArray(value) || value.length !== n || !value.every((w) => typeof w === "number"))
    return undefined;
  let total = 0;
  for (const w of value as number[]) total = w + total;
  if (total < 0.99 || total > 1.01) return undefined;
  return value as number[];
}
