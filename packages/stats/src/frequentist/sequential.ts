/**
 * The asymptotic confidence sequence of Waudby-Smith et al. (arXiv 2103.06476), as GrowthBook and Eppo
 * use it: a Gaussian-mixture boundary on the CLT-normalised effect, valid under continuous peeking.
 * `tuning` (N*) is the total sample size of the two arms at which the boundary is tightest.
 */

import { checkObject, checkPositive } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/** Default N*, GrowthBook's. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/** Validates `{ tuning? }` and returns N* (default 5000). */
export function resolveTuning(sequential: unknown, field: string): number {
  const s = checkObject(sequential, field);
  return s.tuning === undefined ? DEFAULT_SEQUENTIAL_TUNING : checkPositive(s.tuning, `${field}.tuning`);
}

/** A one-sided boundary is built at 2α, so it needs α < 0.5 (GrowthBook rejects it too). */
export function checkSequentialAlpha(alpha: number, oneSided: boolean, field: string): void {
  if (oneSided && alpha >= 0.5) {
    throw new StatsInputError(field, `must be below 0.5 for a one-sided sequential test, got ${alpha}`);
  }
}

/** The mixture parameter ρ² for a level-alpha boundary (one-sided boundaries use 2α, as GrowthBook). */
export function sequentialRhoSquared(alpha: number, tuning: number, oneSided: boolean): number {
  const a = oneSided ? 2 * alpha : alpha;
  const l = -2 * Math.log(a);
  return (l + Math.log(l + 1)) / tuning;
}

/**
 * Half-width of the confidence sequence divided by the standard error: the multiplier that replaces
 * the t quantile. `n` is the pairwise sample size n_A + n_B.
 */
export function sequentialMultiplier(n: number, alpha: number, tuning: number, oneSided: boolean): number {
  const r2 = sequentialRhoSquared(alpha, tuning, oneSided);
  const c = n * r2 + 1;
  const log = oneSided ? Math.log1p(Math.sqrt(c) / (2 * alpha)) : Math.log(Math.sqrt(c) / alpha);
  return Math.sqrt((2 * c * log) / (n * r2));
}

/**
 * Sequential p-value: the smallest alpha at which the sequence (with ρ fixed at the configured alpha)
 * excludes the null. `z` is (Δ - null)/SE, oriented so that positive is evidence for the alternative
 * (for two-sided tests only |z| matters). Computed in logs, so it stays accurate far into the tail.
 */
export function sequentialPValue(
  z: number,
  n: number,
  alpha: number,
  tuning: number,
  oneSided: boolean,
): number {
  const r2 = sequentialRhoSquared(alpha, tuning, oneSided);
  const c = n * r2 + 1;
  const x = (z * z * n * r2) / (2 * c);
  if (!oneSided) return Math.min(1, Math.exp(0.5 * Math.log(c) - x));
  if (!(z > 0)) return 1;
  // sqrt(c) / (2 (e^x - 1)) = exp(log sqrt(c) - log 2 - x - log(1 - e^-x))
  return Math.min(1, Math.exp(0.5 * Math.log(c) - Math.LN2 - x - Math.log(-Math.expm1(-x))));
}
