/** A share with its 95 % interval. */
export interface Share {
  /** Units counted. */
  readonly count: number;
  /** Out of. */
  readonly of: number;
  /** count / of (0 when `of` is 0). */
  readonly share: number;
  /** The 95 % Wilson score interval of the share; absent for an exact count (every unit was assigned). */
  readonly interval?: readonly [number, number];
}

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/**
 * `count` out of `of`, exact (the ids given) or estimated from a uniform sample, with the 95 % Wilson score
 * interval: it stays inside [0, 1] and keeps its coverage at shares near 0 and 1, where moves often are (a
 * 1 % ramp), unlike the normal approximation, whose interval collapses to a point at a count of 0.
 */
export function shareOf(count: number, of: number, estimated: boolean): Share {
  const share = of === 0 ? 0 : count / of;
  if (!estimated || of === 0) return { count, of, share };
  const z2 = Z95 * Z95;
  const centre = (share + z2 / (2 * of)) / (1 + z2 / of);
  const half = (Z95 / (1 + z2 / of)) * Math.sqrt((share * (1 - share)) / of + z2 / (4 * of * of));
  // at 0 and at every unit the bound is exact in theory; floating point leaves a 1e-20 either side
  const low = count === 0 ? 0 : Math.max(0, centre - half);
  const high = count === of ? 1 : Math.min(1, centre + half);
  return { count, of, share, interval: [low, high] };
}
