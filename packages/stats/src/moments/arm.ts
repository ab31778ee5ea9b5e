import { checkCount, checkFinite, checkNonNegative, checkObject } from "../validation/checks.js";
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
  if (stats.sumSquaredDeviations !== undefined) {
    // Centred second moment (Welford's M2): exact where sumSquares − sum²/n cancels catastrophically.
    const m2 = checkNonNegative(stats.sumSquaredDeviations, `${field}.sumSquaredDeviations`);
    return { n, mean, variance: n < 2 ? 0 : m2 / (n - 1) };
  }
  if (stats.sumSquares === undefined) {
    throw new StatsInputError(
      `${field}.sumSquares`,
      'is required for a "mean" metric unless sumSquaredDeviations is given (use type "proportion" for 0/1 metrics)',
    );
  }
  const sumSquares = checkFinite(stats.sumSquares, `${field}.sumSquares`);
  if (sumSquares < 0)
    throw new StatsInputError(`${field}.sumSquares`, `must be at least 0, got ${sumSquares}`);
  const centered = sumSquares - (sum * sum) / n;
  // A sum of squares below sum²/n is impossible (Cauchy-Schwarz) except by rounding: a naive running
  // sum of n doubles can be off by about n·ε relative (3.3 summed 1e8 times: -4.8e-9), so the
  // tolerance grows with n and a centred sum within it clamps to 0 instead of throwing.
  if (centered < -roundingTolerance(n) * sumSquares) {
    throw new StatsInputError(
      `${field}.sumSquares`,
      `is smaller than sum²/n (${sumSquares} < ${(sum * sum) / n}); these are not the statistics of real values`,
    );
  }
  return { n, mean, variance: n < 2 ? 0 : Math.max(centered, 0) / (n - 1) };
}

/**
 * Relative error a naively accumulated Σy² (and (Σy)²/n) may carry after n additions: 4·n·ε, with a
 * floor of 1e-9 for statistics rounded on their way in (e.g. written with 10 significant digits).
 */
export function roundingTolerance(n: number): number {
  return Math.max(1e-9, 4 * n * Number.EPSILON);
}
