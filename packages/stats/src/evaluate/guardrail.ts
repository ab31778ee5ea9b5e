/**
 * The guardrail test: one-sided confidence sequences on the harmful side, valid at every look, so a
 * guardrail can stop an experiment early in any plan (fixed-horizon plans included) without inflating
 * the false-rollback rate.
 *
 * Both scales test a linear contrast D = m_B − k·m_A − d whose root is the margin's boundary:
 * absolute, k = 1 and d = −s·margin (s = +1 when higher is better); relative, the boundary
 * (m_B − m_A)/|m_A| = −s·margin is m_B = (1 − s·margin·sign(m_A))·m_A, so k = 1 − s·margin·sign(m_A),
 * d = 0. Var(D) = v_B/n_B + k²·v_A/n_A needs no delta method, so the relative test has the size of the
 * absolute one; the relative bound it reports is Fieller's, from the same contrast inverted.
 */

import { fiellerInterval, meansContrast } from "../frequentist/fieller.js";
import { sequentialMultiplier, sequentialPValue } from "../frequentist/sequential.js";
import type { ArmMoments } from "../moments/arm.js";
import type { Scale } from "../moments/types.js";
import type { Direction } from "./plan.js";

/** Inputs of {@link guardrailTest} besides the two arms. */
export interface GuardrailTestOptions {
  readonly scale: Scale;
  readonly direction: Direction;
  /** Tolerated degradation (≥ 0) in the units of `scale`. */
  readonly margin: number;
  /** Level of each one-sided sequence (already divided among the guardrail family). */
  readonly alpha: number;
  /** N* of the confidence sequence. */
  readonly tuning: number;
}

/** The guardrail's numbers; `undefined` fields are replaced by the caller's neutral defaults. */
export interface GuardrailTestResult {
  /** The effect on `scale`: m_B − m_A, or (m_B − m_A)/|m_A|. */
  readonly estimate: number;
  /** Display only: √(v_A/n_A + v_B/n_B), or the delta-method value on the relative scale. */
  readonly standardError: number;
  /**
   * Both one-sided 1 − alpha confidence-sequence bounds (together a 1 − 2·alpha interval): a breach is
   * the whole interval beyond the margin on the harmful side; a margin is shown kept when the harmful
   * bound is within it. Relative bounds are Fieller's, ±Infinity when the control mean is not
   * distinguishable from 0.
   */
  readonly ci: readonly [number, number];
  /** H0 "no worse than the margin" against "worse than the margin" (small: a breach). */
  readonly breachPValue: number;
  /** H0 "worse than the margin" against "no worse" (small: shown within the margin). */
  readonly nonInferiorityPValue: number;
}

/**
 * One-sided sequential tests of a guardrail on the harmful side; `undefined` when both arms have no
 * variance (nothing can be tested). The caller handles fewer units and a control mean of 0.
 */
export function guardrailTest(
  control: ArmMoments,
  treatment: ArmMoments,
  o: GuardrailTestOptions,
): GuardrailTestResult | undefined {
  const mA = control.mean;
  const mB = treatment.mean;
  const uA = control.variance / control.n;
  const uB = treatment.variance / treatment.n;
  const s = o.direction === "increase" ? 1 : -1;
  const relative = o.scale === "relative";
  const sign = mA < 0 ? -1 : 1;
  const k = relative ? 1 - s * o.margin * sign : 1;
  const d = relative ? 0 : -s * o.margin;
  const contrastVariance = uB + k * k * uA;
  if (!(contrastVariance > 0) || !(uA + uB > 0)) return undefined;
  // z > 0: better than the margin's boundary; z < 0: worse.
  const z = (s * (mB - k * mA - d)) / Math.sqrt(contrastVariance);
  const n = control.n + treatment.n;
  const breachPValue = sequentialPValue(-z, n, o.alpha, o.tuning, true);
  const nonInferiorityPValue = sequentialPValue(z, n, o.alpha, o.tuning, true);
  const c = sequentialMultiplier(n, o.alpha, o.tuning, true);

  let estimate: number;
  let standardError: number;
  let ci: readonly [number, number];
  if (!relative) {
    estimate = mB - mA;
    standardError = Math.sqrt(uA + uB);
    ci = [estimate - c * standardError, estimate + c * standardError];
  } else {
    estimate = (mB - mA) / Math.abs(mA);
    standardError = Math.sqrt(uB / (mA * mA) + (uA * mB * mB) / mA ** 4);
    // Fieller's set {δ : the contrast m_B − m_A − δ·|m_A| is not rejected at c}: unbounded when m_A is not
    // distinguishable from 0 at c; the same helper as compare's
    ci = fiellerInterval(meansContrast(mA, mB, uA, uB), c, "two").ci;
  }
  return { estimate, standardError, ci, breachPValue, nonInferiorityPValue };
}
