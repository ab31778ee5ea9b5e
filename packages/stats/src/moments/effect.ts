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
  readonly warning?: EstimateWarning;
}

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
  if (scale === "relative" && control.mean === 0) return degenerate(base, "zero-control-mean");

  let estimate: number;
  let variance: number;
  if (scale === "absolute") {
    estimate = b.mean - a.mean;
    variance = b.variance / b.n + a.variance / a.n;
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
  const standardError = Math.sqrt(variance);
  if (!(standardError > 0) || !Number.isFinite(standardError)) return degenerate(base, "zero-variance");
  return { control, treatment, theta, estimate, standardError, df: welchDf(a, b) };
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
): EffectMoments {
  // Plain literals, no object spread: this runs in evaluate()'s inner loop.
  return {
    control: base.control,
    treatment: base.treatment,
    theta: base.theta,
    estimate: 0,
    standardError: 0,
    df: 0,
    warning,
  };
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
