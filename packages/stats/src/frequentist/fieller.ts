/**
 * Fieller's confidence set for a relative effect δ = (m_B − m_A)/|m_A|, by inverting the test of the
 * linear null m_B − m_A − δ·|m_A| = 0. Its statistic
 *
 *   T(δ) = (D̂ − δ·|m̂_A|) / √(V_D + 2δ·s·c + δ²·u_A)      (s = sign(m̂_A))
 *
 * needs no delta method, so at δ = 0 it is exactly the absolute Welch statistic: both scales test the
 * same null with the same size. The set {δ : |T(δ)| ≤ k} is a quadratic inequality in δ,
 *
 *   a₂δ² − 2a₁δ + a₀ ≤ 0,  a₂ = m̂_A² − k²u_A,  a₁ = D̂|m̂_A| + k²·s·c,  a₀ = D̂² − k²V_D,
 *
 * bounded exactly when g = k²u_A/m̂_A² < 1 (the control mean is distinguishable from 0 at this level).
 * Otherwise it is the whole line or the whole line less a gap (the "exclusive union" of two rays),
 * which we report as unbounded and describe with `excluded`.
 */
import type { Contrast } from "../moments/effect.js";
import type { Sides } from "./compare.js";

/** What Fieller's set looks like. */
export type FiellerShape = "bounded" | "whole-line" | "exclusive-union";

/** Fieller's interval for the relative effect, with its shape. */
export interface FiellerInterval {
  /** The reported interval: ±Infinity on the open side of a one-sided test and whenever g ≥ 1. */
  readonly ci: readonly [number, number];
  /** g = k²·Var(m̂_A)/m̂_A²: the interval is bounded (on its tested side) exactly when g < 1. */
  readonly g: number;
  readonly shape: FiellerShape;
  /**
   * For "exclusive-union": the open gap of relative effects the test rejects; the confidence set is
   * everything outside it. A null inside the gap has p < alpha although `ci` is the whole line.
   */
  readonly excluded?: readonly [number, number];
}

/**
 * The contrast of two independent arm means without CUPED: D̂ = m_B − m_A with Var(D̂) = u_A + u_B, and
 * Cov(m̂_A, m̂_A) = u_A (u = variance of the mean). What `evaluate` builds its relative CIs from.
 */
export function meansContrast(mA: number, mB: number, uA: number, uB: number): Contrast {
  return { difference: mB - mA, variance: uA + uB, controlMean: mA, controlMeanVariance: uA, covariance: uA };
}

/** The Fieller statistic T(δ) for the relative null δ (its p-value is the Welch/sequential tail of it). */
export function fiellerStatistic(c: Contrast, nullEffect: number): number {
  const m = Math.abs(c.controlMean);
  const s = Math.sign(c.controlMean);
  const variance =
    c.variance + 2 * nullEffect * s * c.covariance + nullEffect * nullEffect * c.controlMeanVariance;
  return (c.difference - nullEffect * m) / Math.sqrt(Math.max(variance, 0));
}

/**
 * Fieller's set for critical value `k` (the t quantile or the confidence sequence's multiplier).
 * Two-sided: {|T| ≤ k}; "greater": {T ≤ k} (a lower bound); "less": {T ≥ −k} (an upper bound).
 */
export function fiellerInterval(c: Contrast, k: number, sides: Sides): FiellerInterval {
  const m = Math.abs(c.controlMean);
  const s = Math.sign(c.controlMean);
  const k2 = k * k;
  const uA = c.controlMeanVariance;
  const a2 = m * m - k2 * uA;
  const a1 = c.difference * m + k2 * s * c.covariance;
  const a0 = c.difference * c.difference - k2 * c.variance;
  // a₁² − a₂a₀ written without the cancelling D̂²m̂² terms (uA·V_D − c² ≥ 0 by Cauchy–Schwarz).
  const disc =
    k2 *
    (m * m * c.variance +
      2 * s * c.difference * m * c.covariance +
      c.difference * c.difference * uA -
      k2 * Math.max(uA * c.variance - c.covariance * c.covariance, 0));
  const g = m === 0 ? Number.POSITIVE_INFINITY : (k2 * uA) / (m * m);
  const roots = disc >= 0 ? sortedRoots(a2, a1, a0, Math.sqrt(disc)) : undefined;
  const estimate = c.difference / m;
  const inf = Number.POSITIVE_INFINITY;
  if (a2 > 0 && roots !== undefined) {
    const [lo, hi] = roots;
    const ci: [number, number] = sides === "two" ? [lo, hi] : sides === "greater" ? [lo, inf] : [-inf, hi];
    return { ci, g, shape: "bounded" };
  }
  // g ≥ 1: the test's rejection region, if any, is a bounded gap; on one side only the part of it on
  // the rejected side of the estimate counts.
  const whole = { ci: [-inf, inf] as const, g, shape: "whole-line" as const };
  if (!(a2 < 0) || roots === undefined) return whole;
  const [lo, hi] = roots;
  if (sides === "greater" && !(hi <= estimate)) return whole;
  if (sides === "less" && !(lo >= estimate)) return whole;
  return { ci: [-inf, inf], g, shape: "exclusive-union", excluded: [lo, hi] };
}

/** Real roots of a₂δ² − 2a₁δ + a₀, in order, without cancellation in the smaller one. */
function sortedRoots(a2: number, a1: number, a0: number, sqrtDisc: number): [number, number] {
  const q = a1 + (a1 >= 0 ? sqrtDisc : -sqrtDisc);
  if (q === 0) return [0, 0];
  const r1 = q / a2;
  const r2 = a0 / q;
  return r1 <= r2 ? [r1, r2] : [r2, r1];
}
