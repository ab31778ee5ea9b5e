import { chiSquareSurvival } from "../distributions/index.js";
import { checkCount, checkNonNegative, checkObject, checkOpenUnit, show } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/** Options of `srm`; all optional. */
export interface SrmOptions {
  /** p-value below which the split is a mismatch. Default 0.001. */
  readonly threshold?: number;
  /** No mismatch is flagged unless every checked arm is expected to get at least this many units. Default 8. */
  readonly minUnitsPerArm?: number;
}

/** Sample ratio mismatch check. */
export interface SrmResult {
  /** Chi-square goodness-of-fit p-value (1 when fewer than two arms can be checked or no units). */
  readonly pValue: number;
  /** p < threshold and every checked arm expected ≥ minUnitsPerArm units. A mismatch blocks decisions. */
  readonly mismatch: boolean;
  /** Pearson's statistic Σ (o - e)²/e over the checked arms. */
  readonly chiSquare: number;
  /** Degrees of freedom: checked arms - 1. */
  readonly df: number;
  /** Expected units per arm (input order; 0 for skipped arms). */
  readonly expected: readonly number[];
}

/**
 * Chi-square goodness-of-fit test of observed units per arm against the configured weights (GrowthBook
 * back-end semantics): arms with weight 0, or with no count, are skipped; the upper tail comes from the
 * regularized incomplete gamma, so tiny p-values are exact. `weights` default to an even split.
 */
export function srm(counts: readonly number[], weights?: readonly number[], options?: SrmOptions): SrmResult {
  if (!Array.isArray(counts)) throw new StatsInputError("counts", `must be an array, got ${show(counts)}`);
  const w = weights ?? counts.map(() => 1);
  if (!Array.isArray(w)) throw new StatsInputError("weights", `must be an array, got ${show(weights)}`);
  for (const [i, c] of counts.entries()) checkCount(c, `counts[${i}]`);
  for (const [i, x] of w.entries()) checkNonNegative(x, `weights[${i}]`);
  const o = (options === undefined ? {} : checkObject(options, "options")) as SrmOptions;
  const threshold = o.threshold === undefined ? 0.001 : checkOpenUnit(o.threshold, "options.threshold");
  const minUnits =
    o.minUnitsPerArm === undefined ? 8 : checkNonNegative(o.minUnitsPerArm, "options.minUnitsPerArm");

  const checked: number[] = [];
  for (let i = 0; i < w.length; i++) if ((w[i] ?? 0) > 0 && counts[i] !== undefined) checked.push(i);
  const total = checked.reduce((acc, i) => acc + (counts[i] ?? 0), 0);
  const weightTotal = checked.reduce((acc, i) => acc + (w[i] ?? 0), 0);
  const expected = w.map((_, i) => (checked.includes(i) ? ((w[i] ?? 0) / weightTotal) * total : 0));
  if (checked.length < 2 || total === 0) {
    return { pValue: 1, mismatch: false, chiSquare: 0, df: Math.max(checked.length - 1, 0), expected };
  }
  let chiSquare = 0;
  for (const i of checked) {
    const e = expected[i] ?? 0;
    const d = (counts[i] ?? 0) - e;
    chiSquare += (d * d) / e;
  }
  const df = checked.length - 1;
  const pValue = chiSquareSurvival(chiSquare, df);
  const mismatch = pValue < threshold && checked.every((i) => (expected[i] ?? 0) >= minUnits);
  return { pValue, mismatch, chiSquare, df, expected };
}
