/** A half-open share `[start, end)` of the unit interval. */
export interface BucketRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Turns relative weights (declared order) and a traffic share into one range per variant.
 *
 * Variant i owns `[c_i / T, c_i / T + traffic * w_i / T)`, where `c_i` is the sum of the weights before it
 * and `T` the total; with traffic 1 the end is exactly `c_{i+1} / T`. Starts never depend on traffic, so
 * raising traffic only widens ranges: no enrolled unit ever moves to another variant, and enrolled units
 * split in the weights' proportions whatever the traffic (the fix for seed 003, which gates and picks with
 * the same value and so puts every enrolled unit of a 25% experiment in its first variant).
 *
 * Throws a RangeError for weights that are negative or not finite, a zero total, or traffic outside 0..1;
 * the manifest validator reports these earlier with file and line.
 */
export function variantRanges(weights: readonly number[], traffic = 1): BucketRange[] {
  if (!(traffic >= 0 && traffic <= 1)) throw new RangeError(`traffic must be within 0..1, got ${traffic}`);
  let total = 0;
  for (const w of weights) {
    if (!Number.isFinite(w) || w < 0)
      throw new RangeError(`weights must be finite and non-negative, got ${w}`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError("weights must not all be zero");
  const ranges: BucketRange[] = [];
  let cumulative = 0;
  for (const w of weights) {
    const start = cumulative / total;
    cumulative += w;
    const end = traffic === 1 ? cumulative / total : start + traffic * (w / total);
    ranges.push({ start, end });
  }
  return ranges;
}

/** Index of the range holding `x`, or -1 when `x` falls in no range (outside the traffic share). */
export function chooseRange(x: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!;
    if (x >= range.start && x < range.end) return i;
  }
  return -1;
}
