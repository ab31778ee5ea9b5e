import type { Targeting } from "../targeting/targeting.js";

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
 * are the cumulative weights scaled to `traffic * 10000`, unless `ends` or `allocation` lists them. With
 * `group`, the unit must first land on this experiment in the group's own allocation; `allowlist` comes first.
 */
export interface OptimizelyHashing {
  readonly mode: "optimizely";
  readonly experimentId: string;
  /** An attribute that, when set, is bucketed instead of the unit (Optimizely's `$opt_bucketing_id`). */
  readonly bucketingId?: string;
  /** Explicit `endOfRange` per variant (0..10000, non-decreasing). */
  readonly ends?: readonly number[];
  /** The datafile's traffic allocation: ranges in order, each to a variant id or (no `variant`) to nobody. */
  readonly allocation?: readonly OptimizelyRange[];
  /** The mutually exclusive (`random`) group the experiment is in. */
  readonly group?: OptimizelyGroup;
  /** The datafile's `forcedVariations`: variant id -> unit ids, served (and enrolled) before any hashing. */
  readonly allowlist?: Readonly<Record<string, readonly string[]>>;
  /**
   * Experiments `decide` tries before this one (a flag's experiments, before its delivery rules): a unit one of
   * them serves is not in this one.
   */
  readonly after?: readonly OptimizelyPrior[];
}

/** An experiment tried before: the units its allowlist names or its buckets serve (inside its group) are taken. */
export interface OptimizelyPrior {
  /** Its experiment id (the bucketing key is `bucketingId + experiment`). */
  readonly experiment: string;
  /** The bucket ranges `[start, end)` of its allocation that serve a variation. */
  readonly served: readonly (readonly [number, number])[];
  readonly group?: OptimizelyGroup;
  /** The units its allowlist serves. */
  readonly allowlist?: readonly string[];
  /** Its audiences as targeting rules: it serves (beyond its allowlist) only contexts they admit. */
  readonly audience?: Targeting;
}

/** One `trafficAllocation` entry of an Optimizely experiment: values below `end` (from the previous end) go to `variant`. */
export interface OptimizelyRange {
  /** The variant id; absent for a range that serves nobody (a gap). */
  readonly variant?: string;
  readonly end: number;
}

/** A `random` group of an Optimizely datafile: `bucketingId + id` picks one experiment through `allocation`. */
export interface OptimizelyGroup {
  readonly id: string;
  readonly allocation: readonly OptimizelyGroupRange[];
}

/** One entry of a group's allocation: values below `end` go to the experiment `experiment` (its id), absent: none. */
export interface OptimizelyGroupRange {
  readonly experiment?: string;
  readonly end: number;
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
  /**
   * The toggle's strategies, evaluated in order as the SDK does (the first whose targeting and rollout pass
   * decides). When present, `traffic` stays 1 and the experiment's weights are the toggle's own variants.
   */
  readonly strategies?: readonly UnleashStrategy[];
  /** Stickiness of the toggle's own variants (`variants[0].stickiness`): `default` unless set. */
  readonly variantStickiness?: string;
  /** False when the toggle has no variants of its own: a strategy without variants then enrols nobody. */
  readonly toggleVariants?: boolean;
  /** Overrides of the toggle's own variants: the variant served to contexts whose field is one of the values. */
  readonly overrides?: readonly UnleashOverride[];
}

/** An Unleash variant override: `field` (a context field or property) one of `values` serves `variant`. */
export interface UnleashOverride {
  readonly variant: string;
  readonly field: string;
  readonly values: readonly string[];
}

/** One Unleash strategy, as the `unleash` mode evaluates it (see `UnleashHashing.strategies`). */
export interface UnleashStrategy {
  /** False for a strategy the SDK never enables (a segment missing from the payload, an unknown strategy). */
  readonly enabled: boolean;
  /** Percentage 0..100: enabled when `murmur3(groupId:stickinessValue) % 100 + 1 <= rollout`. */
  readonly rollout: number;
  /** Group of the rollout hash (`parameters.groupId`, "" when absent, as the Node SDK hashes it). */
  readonly groupId: string;
  /** `default` (userId, else sessionId, else random), `random`, or a context field / property name. */
  readonly stickiness: string;
  /** The strategy's constraints and segments, as targeting rules (all must hold). */
  readonly targeting?: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  /** Strategy variants, overriding the toggle's; absent: the toggle's variants. */
  readonly variants?: readonly UnleashStrategyVariant[];
  /** Group of the strategy variants' hash (the SDK uses `parameters.groupId` as is: "undefined" when absent). */
  readonly variantGroupId?: string;
  /** Stickiness of the strategy variants (`variants[0].stickiness || parameters.stickiness`). */
  readonly variantStickiness?: string;
}

/** A strategy variant: one of the experiment's variant ids, its weight, and its overrides. */
export interface UnleashStrategyVariant {
  readonly id: string;
  readonly weight: number;
  readonly overrides?: readonly { readonly field: string; readonly values: readonly string[] }[];
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
  /**
   * Ids of the experiment's rules the mode passes over (`skip_rules`): rules that need user attributes (a
   * targeting gate), decided instead by the experiment's `targeting` (or listed by the import as not
   * reproduced). Every other rule the mode evaluates must be decidable from the unit id alone.
   */
  readonly skipRules?: readonly string[];
}
