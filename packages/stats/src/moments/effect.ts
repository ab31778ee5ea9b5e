import { checkFinite, checkObject } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import { type ArmMoments, armMoments } from "./arm.js";
import type { CovariateStats, CupedInput, EstimateWarning, MetricType, SampleStats, Scale } from "./types.js";

/** Point estimate and standard error of the treatment effect, with the pieces tests need. */
export interface EffectMoments {
  readonly estimate: number;
  readonly standardError: number;
  /** Welch–Satterthwaite degrees of freedom from the per-unit variances of the two arms. */
  readonly df: number;
  readonly control: ArmMoments;
  readonly treatment: ArmMoments;
  /** CUPED coefficient θ pooled over both arms (0 when no covariate or no covariate variance). */
  readonly theta: number;
  /**
   * The absolute contrast behind both scales (set unless an arm has fewer than 2 units): what Welch's
   * test and Fieller's interval are computed from.
   */
  readonly contrast?: Contrast;
  readonly warning?: EstimateWarning;
}

/**
 * The difference of (CUPED-adjusted) means and the second moments needed to test any relative null
 * m_B − m_A = δ·|m_A| exactly: Var(D̂ − δ·s·m̂_A) = variance + 2δ·s·covariance + δ²·controlMeanVariance,
 * with s = sign(m_A).
 */
export interface Contrast {
  /** D̂ = m_B − m_A, of the CUPED-adjusted means when CUPED applies. */
  readonly difference: number;
  /** Var(D̂) = v_B/n_B + v_A/n_A (adjusted variances under CUPED). */
  readonly variance: number;
  /** The unadjusted control mean m_A, the relative scale's denominator. */
  readonly controlMean: number;
  /** Var(m̂_A) = v_A/n_A, unadjusted. */
  readonly controlMeanVariance: number;
  /** Cov(adjusted m̂_A, m̂_A) = (v_A − θ·σ_XY,A)/n_A; v_A/n_A without CUPED. */
  readonly covariance: number;
}

/**
 * How a relative effect is tested: "fieller" (default) — Welch's test of the absolute contrast, the
 * same null on both scales, and Fieller's interval for the ratio; "delta" — GrowthBook's delta-method
 * z/t statistic and interval around the estimate.
 */
export type RelativeMethod = "fieller" | "delta";

/**
 * Effect moments, as in gbstats: absolute Δ = m_B - m_A with Var = v_B/n_B + v_A/n_A; relative
 * Δ = (m_B - m_A)/|m_A| with the delta-method variance v_B/(n_B m_A²) + v_A m_B²/(n_A m_A⁴). With CUPED,
 * the arm means and variances are the regression-adjusted ones and the relative effect divides by the
 * unadjusted control mean.
 */
export function effectMoments(
  controlInput: SampleStats,
  treatmentInput: SampleStats,
  type: MetricType,
  scale: Scale,
  cuped?: CupedInput,
  relative: RelativeMethod = "delta",
): EffectMoments {
  const control = armMoments(controlInput, type, "control");
  const treatment = armMoments(treatmentInput, type, "treatment");
  const adjusted =
    cuped === undefined ? undefined : adjust(controlInput, treatmentInput, control, treatment, cuped);
  const theta = adjusted?.theta ?? 0;
  const a = adjusted?.control ?? control;
  const b = adjusted?.treatment ?? treatment;
  const base = { control, treatment, theta };

  if (control.n < 2 || treatment.n < 2) return degenerate(base, "too-few-units");
  const absoluteVariance = b.variance / b.n + a.variance / a.n;
  const contrast: Contrast = {
    difference: b.mean - a.mean,
    variance: absoluteVariance,
    controlMean: control.mean,
    controlMeanVariance: control.variance / control.n,
    covariance:
      adjusted === undefined
        ? control.variance / control.n
        : (control.variance - theta * adjusted.controlParts.covariance) / control.n,
  };
  if (scale === "relative" && control.mean === 0) return degenerate(base, "zero-control-mean", contrast);

  let estimate: number;
  let variance: number;
  if (scale === "absolute") {
    estimate = b.mean - a.mean;
    variance = absoluteVariance;
  } else {
    const mA = control.mean;
    const mB = treatment.mean;
    estimate = (b.mean - a.mean) / Math.abs(mA);
    if (adjusted === undefined) {
      variance = b.variance / (b.n * mA * mA) + (a.variance * mB * mB) / (a.n * mA ** 4);
    } else {
      const { covariance, covariateVariance } = adjusted.controlParts;
      const ratio = mB / mA;
      variance =
        b.variance / (b.n * mA * mA) +
        (control.variance * ratio * ratio -
          2 * theta * covariance * ratio +
          theta * theta * covariateVariance) /
          (a.n * mA * mA);
    }
  }
  let standardError = Math.sqrt(variance);
  // Fieller's test needs only the absolute contrast's variance; the delta-method SE is display only
  // there (it is 0 when the treatment arm is constant at 0 although the test is well defined).
  const tested = scale === "relative" && relative === "fieller" ? Math.sqrt(absoluteVariance) : standardError;
  if (!(tested > 0) || !Number.isFinite(tested)) return degenerate(base, "zero-variance", contrast);
  if (!Number.isFinite(standardError)) standardError = 0;
  return { control, treatment, theta, estimate, standardError, df: welchDf(a, b), contrast };
}

/** Welch–Satterthwaite degrees of freedom; a zero-variance arm contributes nothing to the denominator. */
export function welchDf(a: ArmMoments, b: ArmMoments): number {
  const ua = a.variance / a.n;
  const ub = b.variance / b.n;
  const termA = ua === 0 ? 0 : (ua * ua) / (a.n - 1);
  const termB = ub === 0 ? 0 : (ub * ub) / (b.n - 1);
  return (ua + ub) ** 2 / (termA + termB);
}

function degenerate(
  base: Pick<EffectMoments, "control" | "treatment" | "theta">,
  warning: EstimateWarning,
  contrast?: Contrast,
): EffectMoments {
  // Plain literals, no object spread: this runs in evaluate()'s inner loop.
  const result: EffectMoments = {
    control: base.control,
    treatment: base.treatment,
    theta: base.theta,
    estimate: 0,
    standardError: 0,
    df: 0,
    warning,
  };
  return contrast === undefined ? result : { ...result, contrast };
}

interface ArmParts {
  readonly covariance: number;
  readonly covariateVariance: number;
  readonly covariateMean: number;
}

interface Adjusted {
  readonly theta: number;
  readonly control: ArmMoments;
  readonly treatment: ArmMoments;
  readonly controlParts: ArmParts;
}

/** CUPED: θ = cov(X, Y)/var(X) on the pooled arms; each arm's mean Ȳ - θX̄ and variance σ²_Y + θ²σ²_X - 2θσ_XY. */
function adjust(
  controlInput: SampleStats,
  treatmentInput: SampleStats,
  control: ArmMoments,
  treatment: ArmMoments,
  cuped: CupedInput,
): Adjusted | undefined {
  checkObject(cuped, "cuped");
  const cx = covariate(cuped.control, "cuped.control");
  const tx = covariate(cuped.treatment, "cuped.treatment");
  const n = control.n + treatment.n;
  if (control.n < 2 || treatment.n < 2) return undefined;
  const sumY = controlInput.sum + treatmentInput.sum;
  const sumX = cx.sum + tx.sum;
  const pooledCovariance = (cx.sumProducts + tx.sumProducts - (sumX * sumY) / n) / (n - 1);
  const pooledVariance = Math.max(cx.sumSquares + tx.sumSquares - (sumX * sumX) / n, 0) / (n - 1);
  if (pooledVariance === 0) return undefined;
  const theta = pooledCovariance / pooledVariance;
  if (theta === 0) return undefined;
  const cParts = parts(cx, controlInput.sum, control.n);
  const tParts = parts(tx, treatmentInput.sum, treatment.n);
  const adjustArm = (arm: ArmMoments, p: ArmParts): ArmMoments => ({
    n: arm.n,
    mean: arm.mean - theta * p.covariateMean,
    variance: Math.max(arm.variance + theta * theta * p.covariateVariance - 2 * theta * p.covariance, 0),
  });
  return {
    theta,
    control: adjustArm(control, cParts),
    treatment: adjustArm(treatment, tParts),
    controlParts: cParts,
  };
}

function parts(x: CovariateStats, sumY: number, n: number): ArmParts {
  return {
    covariance: (x.sumProducts - (x.sum * sumY) / n) / (n - 1),
    covariateVariance: Math.max(x.sumSquares - (x.sum * x.sum) / n, 0) / (n - 1),
    covariateMean: x.sum / n,
  };
}

function covariate(input: unknown, field: string): CovariateStats {
  const x = checkObject(input, field) as Partial<CovariateStats>;
  const sum = checkFinite(x.sum, `${field}.sum`);
  const sumSquares = checkFinite(x.sumSquares, `${field}.sumSquares`);
  const sumProducts = checkFinite(x.sumProducts, `${field}.sumProducts`);
  if (sumSquares < 0)
    throw new StatsInputError(`${field}.sumSquares`, `must be at least 0, got ${sumSquares}`);
  return { sum, sumSquares, sumProducts };
}
