/**
 * How an experiment buckets its units. Absent (or `native`), Assay's own hash. The vendor modes reproduce one
 * vendor SDK's bucketing bit for bit, so that an experiment moved off that vendor keeps every unit in its
 * variant; the unit id (`unit`: user, session or attribute) is what the vendor calls the hash attribute,
 * distinct id, bucketing id, stickiness field or unit id. The variants map to the vendor's in declared order,
 * with their weights (see @assay/experiment-hash's README for each mode's use of `weights` and `traffic`).
 */
export type HashingMode =
  | NativeHashing
  | GrowthBookHashing
  | PostHogHashing
  | OptimizelyHashing
  | UnleashHashing
  | FeatureSignalsHashing
  | StatsigHashing;

/** The vendor modes' names. */
export type HashingModeName = HashingMode["mode"];

/** Assay's native hash (FNV-1a over UTF-8 + fmix32). The default. */
export interface NativeHashing {
  readonly mode: "native";
}

/** A GrowthBook half-open range `[start, end)`. */
export type HashRange = readonly [number, number];

/**
 * GrowthBook (`@growthbook/growthbook`): FNV-1a over UTF-16 code units, hash version 1 or 2, `seed` (the
 * phase seed, else the experiment key), coverage = `traffic`, weights as declared (or explicit `ranges`).
 */
export interface GrowthBookHashing {
  readonly mode: "growthbook";
  readonly version: 1 | 2;
  readonly seed: string;
  /** Explicit variation ranges (newer payloads); they override `traffic` and the weights. */
  readonly ranges?: readonly HashRange[];
  /** A legacy namespace: units whose `hash("__" + id, unit, 1)` is in `[start, end)`. */
  readonly namespace?: { readonly id: string; readonly start: number; readonly end: number };
  /** Hash filters over the same unit: each must hold the unit's hash in one of its ranges. */
  readonly filters?: readonly {
    readonly seed: string;
    readonly ranges: readonly HashRange[];
    readonly version: 1 | 2;
  }[];
}

/**
 * PostHog (posthog-node local evaluation): SHA-1 of `key.unit`, rollout `hash <= traffic` (inclusive), then
 * the variant table from the weights as percentages (`hash(key.unit + "variant")`, strict `<`).
 */
export interface PostHogHashing {
  readonly mode: "posthog";
  /** The flag key. */
  readonly key: string;
  /** A holdout evaluated before the rollout: held-out units get control, not enrolled. */
  readonly holdout?: { readonly id: number; readonly percentage: number };
}

/**
 * Optimizely: murmur3 (seed 1) of `bucketingId + experimentId` into 0..9999, `value < endOfRange`. The ends
 * are the cumulative weights scaled to `traffic * 10000`, unless `ends` lists them.
 */
export interface OptimizelyHashing {
  readonly mode: "optimizely";
  readonly experimentId: string;
  /** An attribute that, when set, is bucketed instead of the unit (Optimizely's `$opt_bucketing_id`). */
  readonly bucketingId?: string;
  /** Explicit `endOfRange` per variant (0..10000, non-decreasing). */
  readonly ends?: readonly number[];
}

/**
 * Unleash (Node SDK): flexible rollout `murmur3("groupId:unit") % 100 + 1 <= traffic * 100`, then the variant
 * with seed 86028157 and the total weight as modulus (`counter >= target`).
 */
export interface UnleashHashing {
  readonly mode: "unleash";
  /** The strategy's `groupId` (the rollout hash), usually the toggle name. */
  readonly groupId: string;
  /**
   * The group of the variant hash when it differs: feature-level variants hash with the toggle name, strategy
   * variants with the strategy's groupId. Default: `groupId`.
   */
  readonly variantGroupId?: string;
}

/** FeatureSignals: `murmur3(flagKey + "." + unit) % 10000`, one bucket for rollout (`< traffic * 10000`) and variant. */
export interface FeatureSignalsHashing {
  readonly mode: "featuresignals";
  readonly flagKey: string;
}

/**
 * Statsig: the groups of an experiment of a Statsig config payload (salts, layer bucket lists), read from a
 * JSON file in either format (v1 arrays, v2 maps). The variants are matched to the payload's group names by
 * id; weights and traffic are the payload's.
 */
export interface StatsigHashing {
  readonly mode: "statsig";
  /** Path of the `download_config_specs` JSON, relative to the manifest. */
  readonly payload: string;
  /** The experiment's name in the payload (default: the Assay experiment id). */
  readonly experiment?: string;
  /**
   * Whose hash to reproduce: `node-core` (`@statsig/statsig-node-core`, Statsig's current server SDK; SHA-256
   * over UTF-8), the default, or `node-legacy` (`statsig-node` 6, whose SHA-256 pads some long non-ASCII
   * inputs wrongly), for continuity with units that SDK assigned.
   */
  readonly sdk?: "node-core" | "node-legacy";
}
