import cdf from "@stdlib/stats-base-dists-chisquare-cdf";

/** Pearson's chi-square goodness-of-fit p-value of observed counts against relative weights. */
export function chiSquarePValue(observed: readonly number[], weights: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = weights.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (n * weights[i]!) / total;
    statistic += (observed[i]! - expected) ** 2 / expected;
  }
  return 1 - cdf(statistic, observed.length - 1);
}
