import { type CompareOptions, type CompareResult, compare } from "../frequentist/compare.js";
import type { SampleStats } from "../moments/types.js";
import { checkCount, checkFinite, checkObject } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/**
 * Sufficient statistics of a ratio metric in one arm, over its units: per unit a numerator x (e.g. revenue)
 * and a denominator y (e.g. orders), both 0 for a unit with none. The metric is Σx/Σy, "revenue per order",
 * whose units are the orders but whose randomization unit is the user: its variance must come from the units.
 */
export interface RatioStats {
  readonly n: number;
  readonly sumNumerator: number;
  readonly sumDenominator: number;
  readonly sumNumeratorSquares: number;
  readonly sumDenominatorSquares: number;
  /** Σx·y over units: the covariance term that makes the variance right when x grows with y. */
  readonly sumProducts: number;
}

/**
 * The ratio metric of one arm as the stats of its linearized per-unit values, which `compare` tests like any
 * mean. With r = Σx/Σy and ȳ = Σy/n, the delta method over units linearizes each unit to
 * z = (x − r·y)/ȳ + r: its mean is r and its variance (σx² − 2r·σxy + r²·σy²)/ȳ², so the variance of its mean
 * is the delta-method Var(r), covariance term included. Welch's df, Fieller's relative interval, sequential
 * tests and one-sided tests then follow from `compare` unchanged. Throws `StatsInputError` naming the field
 * for impossible statistics (a negative count, a denominator sum of 0 over units that exist).
 */
export function linearizedRatio(input: unknown, field = "stats"): SampleStats {
  const s = checkObject(input, field);
  const n = checkCount(s.n, `${field}.n`);
  const sx = checkFinite(s.sumNumerator, `${field}.sumNumerator`);
  const sy = checkFinite(s.sumDenominator, `${field}.sumDenominator`);
  const sxx = checkFinite(s.sumNumeratorSquares, `${field}.sumNumeratorSquares`);
  const syy = checkFinite(s.sumDenominatorSquares, `${field}.sumDenominatorSquares`);
  const sxy = checkFinite(s.sumProducts, `${field}.sumProducts`);
  if (n === 0) return { n: 0, sum: 0, sumSquaredDeviations: 0 };
  if (sy === 0) {
    throw new StatsInputError(
      `${field}.sumDenominator`,
      `is 0 over ${n} units: the ratio is undefined (no unit has a denominator)`,
    );
  }
  const r = sx / sy;
  const yBar = sy / n;
  // Centred second moments; rounding can take a true 0 a hair below.
  const mxx = Math.max(0, sxx - (sx * sx) / n);
  const myy = Math.max(0, syy - (sy * sy) / n);
  const mxy = sxy - (sx * sy) / n;
  const mzz = Math.max(0, (mxx - 2 * r * mxy + r * r * myy) / (yBar * yBar));
  return { n, sum: r * n, sumSquaredDeviations: mzz };
}

/**
 * Compares a ratio metric (Σx/Σy per arm) between two arms: the delta method over units (with the covariance
 * of numerator and denominator), then `compare`'s test on the linearized values: Welch by default, Fieller's
 * interval on the relative scale, or the confidence sequence with `sequential`. `type` is always "mean".
 */
export function compareRatio(
  control: RatioStats,
  treatment: RatioStats,
  options?: Omit<CompareOptions, "type" | "cuped">,
): CompareResult {
  return compare(linearizedRatio(control, "control"), linearizedRatio(treatment, "treatment"), {
    ...options,
    type: "mean",
  });
}
