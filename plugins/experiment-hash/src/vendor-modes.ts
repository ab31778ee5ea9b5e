import {
  allowsOutsideFiles,
  type ExperimentContext,
  type ExperimentDefinition,
  type FeatureSignalsHashing,
  type GrowthBookHashing,
  type PostHogHashing,
  readContainedFile,
  type StatsigHashing,
  type UnleashHashing,
} from "@assay/core";
import { featuresignals, growthbook, posthog, statsig, unleash } from "@assay/hashing";
import { optimizelyBucketer } from "./optimizely-mode.js";

/**
 * One experiment's vendor-compatible bucketing, compiled once: `bucket` returns the index of the variant (in
 * declared order) or -1 when the unit is not in the experiment. `unit` is the non-empty unit id; `ctx` is
 * read only by modes that look at more than the unit (Optimizely's bucketing id attribute).
 */
export interface VendorBucketer {
  readonly mode: string;
  bucket(unit: string, ctx: ExperimentContext): number;
}

/** Where relative paths in hashing tables (a Statsig payload) resolve from. */
export interface VendorModeOptions {
  readonly baseDir: string;
}

/** The vendor bucketer of an experiment, or undefined for the native mode. Throws RangeError on a definition the mode cannot serve. */
export function compileVendorBucketer(
  definition: ExperimentDefinition,
  options: VendorModeOptions,
): VendorBucketer | undefined {
  const hashing = definition.hashing;
  if (hashing === undefined) return undefined;
  switch (hashing.mode) {
    case "native":
      return undefined;
    case "growthbook":
      return growthBookBucketer(definition, hashing);
    case "posthog":
      return postHogBucketer(definition, hashing);
    case "optimizely":
      return optimizelyBucketer(definition, hashing);
    case "unleash":
      return unleashBucketer(definition, hashing);
    case "featuresignals":
      return featureSignalsBucketer(definition, hashing);
    case "statsig":
      return statsigBucketer(definition, hashing, options);
  }
}

const weightsOf = (d: ExperimentDefinition) => d.variants.map((v) => v.weight);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Weights on the vendor's scale: kept as written when they already sum to `scale` (so imported weights keep
 * their exact floating-point values), else rescaled.
 */
function onScale(weights: readonly number[], scale: number): number[] {
  const total = sum(weights);
  // (a float sum such as 33.33 + 33.33 + 33.34 may miss the scale by an ulp: still "as written")
  if (Math.abs(total - scale) <= scale * 1e-9) return [...weights];
  return weights.map((w) => (w / total) * scale);
}

/**
 * GrowthBook keeps weights summing to 0.99..1.01 (added in its order) exactly as written, which is how an
 * import writes them; other relative weights (`1, 3`) are normalised, where GrowthBook would fall back to equal
 * weights.
 */
function growthBookWeights(weights: readonly number[]): number[] {
  let total = 0;
  for (const w of weights) total = w + total;
  if (total < 0.99 || total > 1.01) return weights.map((w) => w / sum(weights));
  return [...weights];
}

function growthBookBucketer(d: ExperimentDefinition, h: GrowthBookHashing): VendorBucketer {
  const compiled = growthbook.compileExperiment({
    key: d.id,
    seed: h.seed,
    hashVersion: h.version,
    variations: d.variants.length,
    coverage: d.traffic,
    weights: growthBookWeights(weightsOf(d)),
    ranges: h.ranges ?? null,
    namespace: h.namespace ? [h.namespace.id, h.namespace.start, h.namespace.end] : null,
    filters: h.filters
      ? h.filters.map((f) => ({ seed: f.seed, ranges: f.ranges, hashVersion: f.version }))
      : null,
  });
  return { mode: "growthbook", bucket: (unit) => compiled.bucket(unit) };
}

function postHogBucketer(d: ExperimentDefinition, h: PostHogHashing): VendorBucketer {
  // The weights are PostHog's rollout percentages, walked as written, never rescaled (posthog-node): below 100
  // the rest of the units get `true` (not enrolled here), above 100 the later variants are cut at 1.
  const table = posthog.variantLookupTable(
    weightsOf(d).map((pct, i) => ({ key: d.variants[i]!.id, rollout_percentage: pct })),
  );
  const mins = Float64Array.from(table, (r) => r.valueMin);
  const maxs = Float64Array.from(table, (r) => r.valueMax);
  const holdout = h.holdout ? { id: h.holdout.id, exclusion_percentage: h.holdout.percentage } : null;
  const rollout = d.traffic;
  const key = h.key;
  return {
    mode: "posthog",
    bucket(unit) {
      if (holdout && posthog.holdoutVariant(holdout, unit) !== undefined) return -1;
      // PostHog: `hash > rollout_percentage / 100` is out; the import writes traffic = rollout_percentage / 100
      if (rollout < 1 && posthog.hash(key, unit) > rollout) return -1;
      const n = posthog.hash(key, unit, "variant");
      for (let i = 0; i < maxs.length; i++) if (n >= mins[i]! && n < maxs[i]!) return i;
      return -1;
    },
  };
}

function unleashBucketer(d: ExperimentDefinition, h: UnleashHashing): VendorBucketer {
  const weights = weightsOf(d);
  if (!weights.every(Number.isInteger)) {
    throw new RangeError(
      `experiment ${d.id}: unleash mode needs integer weights (Unleash writes them out of 1000)`,
    );
  }
  const total = sum(weights);
  const groupId = h.groupId;
  const variantGroupId = h.variantGroupId ?? h.groupId;
  // rollout values are integers 1..100: the epsilon keeps traffic * 100 from rounding below a whole percent
  const rollout = d.traffic * 100 + 1e-9;
  return {
    mode: "unleash",
    bucket(unit) {
      if (d.traffic <= 0 || unleash.normalizedStrategyValue(unit, groupId) > rollout) return -1;
      const target = unleash.normalizedVariantValue(unit, variantGroupId, total);
      let counter = 0;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i]!;
        if (w === 0) continue;
        counter += w;
        if (counter >= target) return i;
      }
      return -1;
    },
  };
}

function featureSignalsBucketer(d: ExperimentDefinition, h: FeatureSignalsHashing): VendorBucketer {
  const basis = onScale(weightsOf(d), featuresignals.BUCKETS).map(Math.round);
  const rollout = Math.round(d.traffic * featuresignals.BUCKETS);
  const flagKey = h.flagKey;
  return {
    mode: "featuresignals",
    bucket(unit) {
      const b = featuresignals.bucketUser(flagKey, unit);
      if (!featuresignals.inRollout(b, rollout)) return -1;
      let cumulative = 0;
      for (let i = 0; i < basis.length; i++) {
        cumulative += basis[i]!;
        if (b < cumulative) return i;
      }
      return basis.length - 1;
    },
  };
}

function statsigBucketer(
  d: ExperimentDefinition,
  h: StatsigHashing,
  options: VendorModeOptions,
): VendorBucketer {
  // inside the manifest's folder unless the operator allows more, a regular file within a size limit, and
  // never quoted in an error (a JSON parse error would show the file's first characters)
  const path = h.payload;
  let text: string;
  try {
    text = readContainedFile(h.payload, options.baseDir, { allowOutside: allowsOutsideFiles() });
  } catch (error) {
    throw new RangeError(`experiment ${d.id}: cannot read the Statsig payload ${(error as Error).message}`, {
      cause: error,
    });
  }
  let payload: statsig.StatsigPayload;
  try {
    payload = JSON.parse(text) as statsig.StatsigPayload;
  } catch {
    throw new RangeError(`experiment ${d.id}: cannot read the Statsig payload ${path}: not valid JSON`);
  }
  const name = h.experiment ?? d.id;
  // either format: the v1 list statsig-node reads, or the v2 map @statsig/statsig-node-core downloads
  let spec: statsig.Spec | undefined;
  try {
    spec = statsig.findExperimentSpec(payload, name);
  } catch (error) {
    throw new RangeError(
      `experiment ${d.id}: cannot read the Statsig payload ${path}: ${(error as Error).message}`,
    );
  }
  if (!spec) throw new RangeError(`experiment ${d.id}: no experiment ${JSON.stringify(name)} in ${path}`);
  const index = new Map(d.variants.map((v, i) => [v.id, i]));
  for (const rule of spec.rules) {
    if (rule.groupName && !index.has(rule.groupName)) {
      throw new RangeError(
        `experiment ${d.id}: the Statsig group ${JSON.stringify(rule.groupName)} is not one of the variants (${[...index.keys()].join(", ")}); name the variants after the groups`,
      );
    }
  }
  // rules the manifest's targeting decides (a targeting gate on user fields): passed over, so that the unit id
  // alone decides the rest; every other rule must be decidable from it, which is checked now, not at assign
  const skipRules = h.skipRules ?? [];
  for (const id of skipRules) {
    if (!spec.rules.some((r) => r.id === id))
      throw new RangeError(
        `experiment ${d.id}: hashing.skip_rules names ${JSON.stringify(id)}, which is not a rule of ${JSON.stringify(name)} in ${path}`,
      );
  }
  // node-core (Statsig's current SDK) unless the manifest asks for statsig-node's hash
  const evaluator = new statsig.StatsigEvaluator(payload, {
    sdk: h.sdk ?? statsig.DEFAULT_STATSIG_SDK,
    skipRules: { [name]: skipRules },
  });
  const needsContext = evaluator.contextRules(name);
  if (needsContext.length > 0) {
    const rule = needsContext[0]!;
    throw new RangeError(
      `experiment ${d.id}: rule ${JSON.stringify(rule.ruleId)} of ${JSON.stringify(name)} has a ${rule.conditionType} condition${rule.spec === name ? "" : ` (in gate ${JSON.stringify(rule.spec)})`}, which needs user attributes: put its targeting in the experiment's targeting and its id in hashing.skip_rules (assay import statsig does both)`,
    );
  }
  const unitName = d.unit;
  return {
    mode: "statsig",
    bucket(unit, ctx) {
      const who: statsig.StatsigUnit =
        unitName === "user"
          ? { userID: unit }
          : { ...(ctx.userId === undefined ? {} : { userID: ctx.userId }), customIDs: { [unitName]: unit } };
      const group = evaluator.getExperimentGroup(name, who);
      return group === null ? -1 : (index.get(group) ?? -1);
    },
  };
}
