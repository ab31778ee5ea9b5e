import { tCdf, tSurvival, tUpperQuantile } from "../distributions/index.js";
import { effectMoments, type RelativeMethod } from "../moments/effect.js";
import type { CupedInput, EstimateWarning, MetricType, SampleStats, Scale } from "../moments/types.js";
import { checkFinite, checkObject, checkOneOf, checkOpenUnit } from "../validation/checks.js";
import { type FiellerShape, fiellerInterval, fiellerStatistic } from "./fieller.js";
import { checkSequentialAlpha, resolveTuning, sequentialMultiplier, sequentialPValue } from "./sequential.js";

/** Which alternative the test looks for: any difference, treatment greater, or treatment less than control. */
export type Sides = "two" | "greater" | "less";

/** Sequential (always-valid) testing settings. */
export interface SequentialOptions {
  /** N*: the total of both arms' units at which the boundary is tightest. Default 5000 (GrowthBook). */
  readonly tuning?: number;
}

/** Options of `compare`; all optional. */
export interface CompareOptions {
  /** "mean" (sample variance, needs sumSquares) or "proportion" (p(1 - p)). Default "mean". */
  readonly type?: MetricType;
  /** Default "relative": the lift (m_B - m_A)/|m_A|. */
  readonly scale?: Scale;
  /**
   * How a relative effect is tested. Default "fieller": the p-value is the absolute Welch test's (or
   * the absolute confidence sequence's) — the null m_B = m_A is the same on both scales — and the CI is
   * Fieller's interval for m_B/m_A − 1 with the same critical value, so it excludes 0 exactly when
   * p < alpha and is unbounded when the control mean is not distinguishable from 0. "delta":
   * GrowthBook's delta-method statistic and interval (estimate ± k·SE), whose size is wrong when the
   * ratio is far from 1 or the data are skewed; kept for comparison with GrowthBook.
   */
  readonly relative?: RelativeMethod;
  /** Significance level; CIs are at 1 - alpha. Default 0.05. */
  readonly alpha?: number;
  /** Default "two". One-sided CIs are infinite on the open side. */
  readonly sides?: Sides;
  /** Effect under the null hypothesis, in the units of `scale`. Default 0. */
  readonly nullEffect?: number;
  /** Use the asymptotic confidence sequence instead of the fixed-horizon t-test. */
  readonly sequential?: SequentialOptions;
  /** Regression adjustment on a pre-period covariate. */
  readonly cuped?: CupedInput;
}

/** A frequentist comparison of treatment against control. */
export interface CompareResult {
  /** The effect, in the units of `scale`. */
  readonly estimate: number;
  readonly standardError: number;
  /** 1 - alpha confidence interval (or confidence sequence); ±Infinity on the open side of a one-sided test. */
  readonly ci: readonly [number, number];
  readonly pValue: number;
  /** Welch–Satterthwaite degrees of freedom (reported for sequential tests too, which use the normal). */
  readonly df: number;
  /**
   * The test statistic whose tail is `pValue`: (estimate - nullEffect)/standardError, except on the
   * relative scale with Fieller (the default), where it is the Fieller/Welch statistic
   * (D̂ - nullEffect·|m_A|)/√Var(D̂ - nullEffect·sign(m_A)·m̂_A) (the absolute Welch t when nullEffect = 0).
   */
  readonly statistic: number;
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly method: "welch" | "sequential";
  /** CUPED coefficient θ, when CUPED was applied. */
  readonly theta?: number;
  /** Set when the effect could not be estimated; the numbers are then neutral defaults. */
  readonly warning?: EstimateWarning;
  /**
   * Relative scale with Fieller only: true when the tested side of the CI is unbounded because the
   * control mean is not distinguishable from 0 at this level (Fieller's g ≥ 1); read the absolute
   * effect then. Absent otherwise.
   */
  readonly ciUnbounded?: boolean;
  /** Relative scale with Fieller only: the shape of Fieller's set and g (see `FiellerInterval`). */
  readonly fieller?: {
    readonly g: number;
    readonly shape: FiellerShape;
    /** "exclusive-union" only: the gap of rejected relative effects; the set is all values outside it. */
    readonly excluded?: readonly [number, number];
  };
}

/** `CompareOptions` after validation, with defaults applied. */
export interface ResolvedCompareOptions {
  readonly type: MetricType;
  readonly scale: Scale;
  readonly relative: RelativeMethod;
  readonly alpha: number;
  readonly sides: Sides;
  readonly nullEffect: number;
  readonly tuning: number | undefined;
}

/** Validates compare options and applies the defaults; throws `StatsInputError` naming the bad option. */
export function resolveCompareOptions(options: CompareOptions | undefined): ResolvedCompareOptions {
  const o = (options === undefined ? {} : checkObject(options, "options")) as CompareOptions;
  const resolved: ResolvedCompareOptions = {
    type: o.type === undefined ? "mean" : checkOneOf(o.type, ["mean", "proportion"], "options.type"),
    scale:
      o.scale === undefined ? "relative" : checkOneOf(o.scale, ["relative", "absolute"], "options.scale"),
    relative:
      o.relative === undefined ? "fieller" : checkOneOf(o.relative, ["fieller", "delta"], "options.relative"),
    alpha: o.alpha === undefined ? 0.05 : checkOpenUnit(o.alpha, "options.alpha"),
    sides: o.sides === undefined ? "two" : checkOneOf(o.sides, ["two", "greater", "less"], "options.sides"),
    nullEffect: o.nullEffect === undefined ? 0 : checkFinite(o.nullEffect, "options.nullEffect"),
    tuning: o.sequential === undefined ? undefined : resolveTuning(o.sequential, "options.sequential"),
  };
  if (resolved.tuning !== undefined)
    checkSequentialAlpha(resolved.alpha, resolved.sides !== "two", "options.alpha");
  return resolved;
}

/**
 * Compares a treatment arm with the control arm from their sufficient statistics.
 *
 * Fixed horizon: Welch's t-test with Welch–Satterthwaite degrees of freedom; the p-value is computed in
 * the tail (2·F_t(-|t|)), so values down to the smallest double are accurate. Sequential: the
 * asymptotic confidence sequence (GrowthBook/Eppo), valid however often results are looked at.
 * Relative effects (the default scale) are tested by Fieller's construction unless
 * `relative: "delta"`: the same p-value as the absolute scale, and Fieller's CI for the lift.
 *
 * @example
 * compare({ n: 1000, sum: 100 }, { n: 1000, sum: 120 }, { type: "proportion" })
 * // { estimate: 0.2, ci: [-0.0661…, 0.5521…], pValue: 0.1529 (the absolute test's), ciUnbounded: false, ... }
 */
export function compare(
  control: SampleStats,
  treatment: SampleStats,
  options?: CompareOptions,
): CompareResult {
  const o = resolveCompareOptions(options);
  const m = effectMoments(control, treatment, o.type, o.scale, options?.cuped, o.relative);
  const method = o.tuning === undefined ? "welch" : "sequential";
  const fieller = o.scale === "relative" && o.relative === "fieller";
  // Results are built field by field rather than with object spread: evaluate() calls this in a loop
  // and spread made up half of its time.
  const result: Mutable<CompareResult> = {
    estimate: 0,
    standardError: 0,
    ci: [0, 0],
    pValue: 1,
    df: 0,
    statistic: 0,
    controlMean: m.control.mean,
    treatmentMean: m.treatment.mean,
    method,
  };
  if (options?.cuped !== undefined) result.theta = m.theta;
  if (m.warning !== undefined || (fieller && m.contrast === undefined)) {
    result.warning = m.warning ?? "too-few-units";
    return result;
  }
  const { estimate, standardError: se, df } = m;
  const statistic =
    fieller && m.contrast !== undefined
      ? fiellerStatistic(m.contrast, o.nullEffect)
      : (estimate - o.nullEffect) / se;
  let pValue: number;
  let multiplier: number;
  if (o.tuning === undefined) {
    if (o.sides === "two") {
      pValue = Math.min(1, 2 * tCdf(-Math.abs(statistic), df));
      multiplier = tUpperQuantile(o.alpha / 2, df);
    } else {
      pValue = o.sides === "greater" ? tSurvival(statistic, df) : tCdf(statistic, df);
      multiplier = tUpperQuantile(o.alpha, df);
    }
  } else {
    const n = m.control.n + m.treatment.n;
    const oneSided = o.sides !== "two";
    const directed = o.sides === "less" ? -statistic : statistic;
    pValue = sequentialPValue(directed, n, o.alpha, o.tuning, oneSided);
    multiplier = sequentialMultiplier(n, o.alpha, o.tuning, oneSided);
  }
  if (fieller && m.contrast !== undefined) {
    const f = fiellerInterval(m.contrast, multiplier, o.sides);
    result.ci = f.ci;
    result.ciUnbounded = f.shape !== "bounded";
    result.fieller =
      f.excluded === undefined
        ? { g: f.g, shape: f.shape }
        : { g: f.g, shape: f.shape, excluded: f.excluded };
  } else {
    const halfWidth = multiplier * se;
    result.ci =
      o.sides === "two"
        ? [estimate - halfWidth, estimate + halfWidth]
        : o.sides === "greater"
          ? [estimate - halfWidth, Number.POSITIVE_INFINITY]
          : [Number.NEGATIVE_INFINITY, estimate + halfWidth];
  }
  result.estimate = estimate;
  result.standardError = se;
  result.pValue = pValue;
  result.df = df;
  result.statistic = statistic;
  return result;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
