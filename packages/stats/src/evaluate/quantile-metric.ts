import type { QuantileSummary } from "@assay/core";
import type { Scale } from "../moments/types.js";
import { compareQuantiles } from "../quantile/compare-quantiles.js";
import type { MeasureContext, Mutable } from "./measure.js";
import type { ResolvedPlanMetric } from "./plan.js";
import type { MetricResult } from "./report.js";
import type { SummaryInput } from "./summary.js";

/**
 * The summary's quantile entry of a quantile metric of the plan: its outcome, probability and ignoreZeros (any
 * confidence: the interval only sets the SE's bandwidth). Undefined when the store was not asked for it.
 */
export function quantileEntry(m: ResolvedPlanMetric, summary: SummaryInput): QuantileSummary | undefined {
  const q = m.quantile;
  if (q === undefined) return undefined;
  return summary.quantiles?.find(
    (e) => e.metric === m.outcome && e.probability === q.probability && e.ignoreZeros === q.ignoreZeros,
  );
}

/**
 * A primary or secondary quantile metric for one treatment: `compareQuantiles` of the two arms' quantiles (the
 * normal test of the difference; on the relative scale its Fieller interval, with the absolute test's p). The
 * result's `controlMean`/`treatmentMean` are the arms' quantiles and `controlUnits`/`treatmentUnits` the units
 * they are over; `quantile` has both arms' intervals. Insufficient data without the summary's entry, with
 * fewer than MIN_QUANTILE_UNITS units in an arm, or with no spread around the quantile (ties). Verdict
 * provisional until the family is corrected.
 */
export function measureQuantile(
  ctx: MeasureContext,
  m: ResolvedPlanMetric,
  entry: QuantileSummary | undefined,
  treatment: string,
): Mutable<MetricResult> {
  const p = ctx.plan;
  const probability = m.quantile?.probability ?? 0.5;
  const empty = {
    variantId: "",
    n: 0,
    estimate: 0,
    lower: 0,
    lowerRank: 0,
    upper: 0,
    upperRank: 0,
    coverage: 0,
  };
  const a = entry?.variants.find((v) => v.variantId === p.control) ?? empty;
  const b = entry?.variants.find((v) => v.variantId === treatment) ?? empty;
  const scale: Scale = m.scale === "relative" && a.estimate === 0 ? "absolute" : m.scale;
  const result: Mutable<MetricResult> = {
    metric: m.metric,
    role: m.role,
    direction: m.direction,
    type: "mean",
    scale,
    plannedScale: m.scale,
    sides: "two",
    controlUnits: a.n,
    treatmentUnits: b.n,
    controlMean: a.estimate,
    treatmentMean: b.estimate,
    estimate: 0,
    standardError: 0,
    ci: [0, 0],
    ciLevel: 1 - p.alpha,
    ciAdjusted: false,
    df: 0,
    pValue: 1,
    adjustedPValue: 1,
    significant: false,
    verdict: "insufficient-data",
    quantile: {
      probability,
      ignoreZeros: m.quantile?.ignoreZeros === true,
      confidence: entry?.confidence ?? 0,
      control: { n: a.n, estimate: a.estimate, lower: a.lower, upper: a.upper, coverage: a.coverage },
      treatment: { n: b.n, estimate: b.estimate, lower: b.lower, upper: b.upper, coverage: b.coverage },
    },
  };
  if (entry === undefined) {
    result.warning = "metric-not-recorded";
    return result;
  }
  const r = compareQuantiles(a, b, { probability, alpha: p.alpha });
  if (r.warning !== undefined) {
    result.warning = r.warning;
    return result;
  }
  const relative = scale === "relative";
  result.estimate = relative ? r.relative.estimate : r.estimate;
  result.standardError = relative ? r.relative.standardError : r.standardError;
  result.ci = relative ? r.relative.ci : r.ci;
  result.pValue = r.pValue;
  result.adjustedPValue = r.pValue;
  result.ciAdjusted = p.correction === "none";
  result.verdict = "inconclusive";
  return result;
}
