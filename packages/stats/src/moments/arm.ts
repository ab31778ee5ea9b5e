import { checkCount, checkFinite, checkObject } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import type { MetricType, SampleStats } from "./types.js";

/** Mean and per-unit variance of one arm. */
export interface ArmMoments {
  readonly n: number;
  readonly mean: number;
  /** Per-unit variance: (Σy² - (Σy)²/n)/(n - 1) for means, p(1 - p) for proportions; 0 when n < 2. */
  readonly variance: number;
}

/** Validates one arm's sufficient statistics and returns its mean and per-unit variance. */
export function armMoments(input: unknown, type: MetricType, field: string): ArmMoments {
  const stats = checkObject(input, field) as Partial<SampleStats>;
  const n = checkCount(stats.n, `${field}.n`);
  const sum = checkFinite(stats.sum, `${field}.sum`);
  if (n === 0) {
    if (sum !== 0) throw new StatsInputError(`${field}.sum`, `must be 0 when n is 0, got ${sum}`);
    return { n, mean: 0, variance: 0 };
  }
  const mean = sum / n;
  if (type === "proportion") {
    if (sum < 0 || sum > n) {
      throw new StatsInputError(
        `${field}.sum`,
        `a proportion's sum must be between 0 and n (${n}), got ${sum}`,
      );
    }
    return { n, mean, variance: mean * (1 - mean) };
  }
  if (stats.sumSquares === undefined) {
    throw new StatsInputError(
      `${field}.sumSquares`,
      'is required for a "mean" metric (use type "proportion" for 0/1 metrics)',
    );
  }
  const sumSquares = checkFinite(stats.sumSquares, `${field}.sumSquares`);
  if (sumSquares < 0)
    throw new StatsInputError(`${field}.sumSquares`, `must be at least 0, got ${sumSquares}`);
  const centered = sumSquares - (sum * sum) / n;
  // A sum of squares below sum²/n is impossible (Cauchy-Schwarz); allow only floating-point rounding.
  if (centered < -1e-9 * sumSquares) {
    throw new StatsInputError(
      `${field}.sumSquares`,
      `is smaller than sum²/n (${sumSquares} < ${(sum * sum) / n}); these are not the statistics of real values`,
    );
  }
  return { n, mean, variance: n < 2 ? 0 : Math.max(centered, 0) / (n - 1) };
}
