import type { CupedSummary, MetricSummary } from "@assay/core";
import { tUpperQuantile } from "../distributions/index.js";
import { type CompareOptions, compare } from "../frequentist/compare.js";
import { fiellerInterval, meansContrast } from "../frequentist/fieller.js";
import { sequentialMultiplier } from "../frequentist/sequential.js";
import { type ArmMoments, armMoments } from "../moments/arm.js";
import { welchDf } from "../moments/effect.js";
import type { CupedInput, MetricType, SampleStats, Scale } from "../moments/types.js";
import { guardrailTest } from "./guardrail.js";
import type { ResolvedPlan, ResolvedPlanMetric } from "./plan.js";
import { type MetricResult, type MetricWarning, MIN_UNITS_PER_ARM } from "./report.js";

/** A result under construction: verdicts and adjusted p-values are set once the family is known. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What one metric of one treatment is measured with, besides the plan. */
export interface MeasureContext {
  readonly plan: ResolvedPlan;
  readonly exposed: ReadonlyMap<string, number>;
  /** Level of each guardrail test: guardrailAlpha / (guardrails × active treatments). */
  readonly guardrailTestAlpha: number;
  /** N* of the guardrails' confidence sequences. */
  readonly guardrailTuning: number;
  /** The summary's CUPED covariates of the plan's CUPED metrics, by metric name. */
  readonly cuped?: ReadonlyMap<string, CupedSummary>;
}

/**
 * The summary's statistics of one arm; an arm with no outcomes is all zeros (the store's convention). The
 * store's centred second moment is passed on when it gives one: it keeps a variance that sumSquares − sum²/n
 * cannot (a large mean against a small spread).
 */
export function statsOf(
  metric: MetricSummary | undefined,
  variant: string,
  exposed: ReadonlyMap<string, number>,
): SampleStats {
  const found = metric?.variants.find((v) => v.variantId === variant);
  if (found !== undefined) {
    const { n, sum, sumSquares, sumSquaredDeviations } = found;
    return sumSquaredDeviations === undefined
      ? { n, sum, sumSquares }
      : { n, sum, sumSquares, sumSquaredDeviations };
  }
  return { n: exposed.get(variant) ?? 0, sum: 0, sumSquares: 0 };
}

/** "proportion" for bool outcomes, "mean" for numeric and count outcomes. */
export function typeOf(metric: MetricSummary | undefined): MetricType {
  return metric?.kind === "bool" ? "proportion" : "mean";
}

/**
 * Raw result of one metric for one treatment. Primary/secondary: the plan's two-sided test (Welch or
 * the confidence sequence) of equal means, whatever the scale; on the relative scale the estimate is
 * (m_B − m_A)/|m_A| and the CI Fieller's. Verdict provisional until the family is corrected.
 * Guardrails: final.
 */
export function measure(
  ctx: MeasureContext,
  m: ResolvedPlanMetric,
  metric: MetricSummary | undefined,
  treatment: string,
): Mutable<MetricResult> {
  const p = ctx.plan;
  const type = m.type ?? typeOf(metric);
  const controlStats = statsOf(metric, p.control, ctx.exposed);
  const treatmentStats = statsOf(metric, treatment, ctx.exposed);
  const a = armMoments(controlStats, type, "control");
  const b = armMoments(treatmentStats, type, "treatment");
  // A relative effect on a control mean of 0 is undefined, but the null (equal means) is not: test it
  // on the absolute scale rather than reading "no data" as "no effect".
  const scale: Scale = m.scale === "relative" && a.mean === 0 ? "absolute" : m.scale;
  const guardrail = m.role === "guardrail";
  const result = blank(m, type, scale, a, b, guardrail ? 2 * ctx.guardrailTestAlpha : p.alpha);
  const confidenceSequence = guardrail || p.method === "sequential";
  if (metric === undefined) return insufficient(result, "metric-not-recorded");
  if (a.n < 2 || b.n < 2 || (confidenceSequence && (a.n < MIN_UNITS_PER_ARM || b.n < MIN_UNITS_PER_ARM))) {
    return insufficient(result, "too-few-units");
  }
  if (guardrail) return measureGuardrail(ctx, m, result, a, b, scale);

  // Relative metrics are tested on the absolute scale too: the null (equal means) is the same, and the
  // delta method's SE, taken at the observed ratio, gives the relative test the wrong size.
  const options: CompareOptions = {
    type,
    scale: "absolute",
    alpha: p.alpha,
    sides: "two",
    ...(p.sequentialTuning === undefined ? {} : { sequential: { tuning: p.sequentialTuning } }),
  };
  const cuped = cupedInputOf(ctx.cuped?.get(m.metric), p.control, treatment);
  if (cuped !== undefined) return measureCuped(result, controlStats, treatmentStats, options, cuped, scale);
  const r = compare(controlStats, treatmentStats, options);
  if (r.warning !== undefined) return insufficient(result, r.warning);
  result.estimate = r.estimate;
  result.standardError = r.standardError;
  result.ci = r.ci;
  result.df = r.df;
  result.pValue = r.pValue;
  result.adjustedPValue = r.pValue;
  if (scale === "relative") {
    // The CI is Fieller's for m_B/m_A at the test's own critical value, so it excludes 0 exactly when
    // p < alpha, and is unbounded when the control mean is not distinguishable from 0.
    const uA = a.variance / a.n;
    const uB = b.variance / b.n;
    const critical =
      p.sequentialTuning === undefined
        ? tUpperQuantile(p.alpha / 2, r.df)
        : sequentialMultiplier(a.n + b.n, p.alpha, p.sequentialTuning, false);
    result.estimate = (b.mean - a.mean) / Math.abs(a.mean);
    result.standardError = Math.sqrt(uB / (a.mean * a.mean) + (uA * b.mean * b.mean) / a.mean ** 4);
    result.ci = fiellerInterval(meansContrast(a.mean, b.mean, uA, uB), critical, "two").ci;
  }
  result.ciAdjusted = p.correction === "none";
  result.verdict = "inconclusive";
  return result;
}

/** The two arms' covariate statistics from the summary's CUPED entry, when it has both. */
function cupedInputOf(
  entry: CupedSummary | undefined,
  control: string,
  treatment: string,
): CupedInput | undefined {
  const c = entry?.variants.find((v) => v.variantId === control);
  const t = entry?.variants.find((v) => v.variantId === treatment);
  if (c === undefined || t === undefined) return undefined;
  const stats = (v: typeof c) => ({ sum: v.sum, sumSquares: v.sumSquares, sumProducts: v.sumProducts });
  return { control: stats(c), treatment: stats(t) };
}

/**
 * A primary or secondary metric with CUPED: `compare`'s regression-adjusted test (the absolute scale's p, and
 * on the relative scale its Fieller interval of the adjusted contrast), and the variance reduction against the
 * same test unadjusted: 1 − (SE adjusted / SE unadjusted)².
 */
function measureCuped(
  result: Mutable<MetricResult>,
  controlStats: SampleStats,
  treatmentStats: SampleStats,
  options: CompareOptions,
  cuped: CupedInput,
  scale: Scale,
): Mutable<MetricResult> {
  const plain = compare(controlStats, treatmentStats, options);
  const r = compare(controlStats, treatmentStats, { ...options, cuped });
  if (r.warning !== undefined) return insufficient(result, r.warning);
  result.df = r.df;
  result.pValue = r.pValue;
  result.adjustedPValue = r.pValue;
  result.estimate = r.estimate;
  result.standardError = r.standardError;
  result.ci = r.ci;
  if (plain.warning === undefined && plain.standardError > 0) {
    result.varianceReduction = 1 - (r.standardError / plain.standardError) ** 2;
  }
  if (scale === "relative") {
    const rel = compare(controlStats, treatmentStats, { ...options, cuped, scale: "relative" });
    result.estimate = rel.estimate;
    result.standardError = rel.standardError;
    result.ci = rel.ci;
  }
  result.ciAdjusted = false;
  result.verdict = "inconclusive";
  return result;
}

function measureGuardrail(
  ctx: MeasureContext,
  m: ResolvedPlanMetric,
  result: Mutable<MetricResult>,
  a: ArmMoments,
  b: ArmMoments,
  scale: Scale,
): Mutable<MetricResult> {
  const alpha = ctx.guardrailTestAlpha;
  // With the absolute fallback of a relative margin, margin·|control mean| = 0.
  const margin = scale === m.scale ? m.margin : 0;
  const t = guardrailTest(a, b, {
    scale,
    direction: m.direction,
    margin,
    alpha,
    tuning: ctx.guardrailTuning,
  });
  if (t === undefined) return insufficient(result, "zero-variance");
  const family = ctx.plan.guardrailAlpha / alpha;
  const breach = t.breachPValue < alpha;
  const shownWithin = m.margin === 0 || t.nonInferiorityPValue < alpha;
  result.estimate = t.estimate;
  result.standardError = t.standardError;
  result.ci = t.ci;
  result.df = welchDf(a, b);
  result.pValue = t.breachPValue;
  result.adjustedPValue = Math.min(1, t.breachPValue * family);
  if (m.margin > 0) result.nonInferiorityPValue = Math.min(1, t.nonInferiorityPValue * family);
  result.significant = breach;
  result.verdict = breach ? "breach" : shownWithin ? "ok" : "inconclusive";
  return result;
}

function blank(
  m: ResolvedPlanMetric,
  type: MetricType,
  scale: Scale,
  a: ArmMoments,
  b: ArmMoments,
  ciAlpha: number,
): Mutable<MetricResult> {
  return {
    metric: m.metric,
    role: m.role,
    direction: m.direction,
    type,
    scale,
    plannedScale: m.scale,
    sides: m.role !== "guardrail" ? "two" : m.direction === "increase" ? "less" : "greater",
    controlUnits: a.n,
    treatmentUnits: b.n,
    controlMean: a.mean,
    treatmentMean: b.mean,
    estimate: 0,
    standardError: 0,
    ci: [0, 0],
    ciLevel: 1 - ciAlpha,
    ciAdjusted: m.role === "guardrail",
    df: 0,
    pValue: 1,
    adjustedPValue: 1,
    significant: false,
    verdict: "insufficient-data",
  };
}

function insufficient(r: Mutable<MetricResult>, warning: MetricWarning): Mutable<MetricResult> {
  r.verdict = "insufficient-data";
  r.warning = warning;
  return r;
}

/** Sets the adjusted p-value and the verdict of a primary/secondary result. */
export function applyCorrection(r: Mutable<MetricResult>, adjustedPValue: number, alpha: number): void {
  if (r.warning !== undefined) return;
  r.adjustedPValue = adjustedPValue;
  r.significant = adjustedPValue < alpha;
  const good = r.direction === "increase" ? r.estimate > 0 : r.estimate < 0;
  r.verdict = !r.significant ? "inconclusive" : good ? "win" : "loss";
}
