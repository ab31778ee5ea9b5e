/**
 * FeatureSignals-compatible bucketing (its Go evaluation engine; its SDKs evaluate on the server). See
 * `../README.md` and `shared/notes/vendors.md` §6.
 */
import { murmur3Utf8 } from "../murmur3.js";

/** Bucket space: basis points, 0..9999. */
export const BUCKETS = 10000;

/** `murmur3_x86_32(utf8(flagKey + "." + userKey), seed 0) % 10000`, in 0..9999. */
export function bucketUser(flagKey: string, userKey: string): number {
  return murmur3Utf8(flagKey + "." + userKey, 0) % BUCKETS;
}

/**
 * A percentage rollout in basis points: `>= 10000` serves everyone, otherwise the unit is in when
 * `percentage > 0 && bucket < percentage` (STRICT).
 */
export function inRollout(bucket: number, percentage: number): boolean {
  if (percentage >= BUCKETS) return true;
  return percentage > 0 && bucket < percentage;
}

/** A variant with its weight in basis points. */
export interface WeightedVariant {
  readonly key: string;
  readonly weight: number;
}

/**
 * The A/B variant of a bucket: walk the variants with `cumulative += weight` and pick the first with
 * `bucket < cumulative`; when the weights do not reach the bucket, the LAST variant. `undefined` when there are
 * no variants. The same bucket serves rollout and variant (no salt), as in FeatureSignals.
 */
export function chooseVariant(bucket: number, variants: readonly WeightedVariant[]): string | undefined {
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.weight;
    if (bucket < cumulative) return v.key;
  }
  return variants.length > 0 ? variants[variants.length - 1]!.key : undefined;
}

/**
 * The winner of a mutual-exclusion group for one user: among the given (enabled) flag keys, the one with the
 * lowest `bucketUser(key, userKey)`, ties to the lexicographically smaller key. `undefined` for no flags.
 */
export function mutualExclusionWinner(flagKeys: readonly string[], userKey: string): string | undefined {
  let best: string | undefined;
  let bestBucket = Number.POSITIVE_INFINITY;
  for (const key of flagKeys) {
    const b = bucketUser(key, userKey);
    if (b < bestBucket || (b === bestBucket && best !== undefined && key < best)) {
      best = key;
      bestBucket = b;
    }
  }
  return best;
}
