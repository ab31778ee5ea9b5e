import type { CupedSummary, MetricSummary } from "@assay/core";
import { adjust } from "../adjust/adjust.js";
import { compare } from "../frequentist/compare.js";
import { DEFAULT_SEQUENTIAL_TUNING } from "../frequentist/sequential.js";
import { compareQuantiles } from "../quantile/compare-quantiles.js";
import { srm } from "../srm/srm.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import { evaluateBreakdown } from "./breakdown.js";
import { cappedMetric } from "./capped-metric.js";
import { decideExperiment, decideTreatment, type PairwiseTest } from "./decide.js";
import { applyCorrection, type MeasureContext, type Mutable, measure, statsOf, typeOf } from "./measure.js";
import { type ExperimentPlan, type ResolvedPlan, resolvePlan } from "./plan.js";
import { measureQuantile, quantileEntry } from "./quantile-metric.js";
import { ratioMetric } from "./ratio-metric.js";
import type { ArmReport, ExperimentReport, MetricResult, TreatmentReport } from "./report.js";
import { checkSummary, type SummaryInput } from "./summary.js";
import { windowedMetric } from "./windowed-metric.js";

/**
 * The decision report of one experiment: for each active treatment and planned metric the effect, CI,
 * raw and adjusted p-value and verdict; guardrail breaches; the SRM check (a mismatch overrides every
 * decision, rollback included); whether the planned sample is reached; and a recommendation with its
 * reasons.
 *
 * `summary` is the event store's `ExperimentSummary`. Arms are the plan's `weights` keys when given,
 * else the summary's variants; an arm missing from the summary counts 0 units; an arm of weight 0 is
 * switched off and left out of the comparison.
 */
export function evaluate(plan: ExperimentPlan, summary: SummaryInput): ExperimentReport {
  const p = resolvePlan(plan);
  const s = checkSummary(summary);
  const warnings: string[] = [];

  const exposed = new Map(s.variants.map((v) => [v.variantId, v.exposedUnits]));
  const armIds = armOrder(p, s, warnings);
  const weights = armIds.map((id) => (p.weights === undefined ? 1 : (p.weights[id] ?? 0)));
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  const units = armIds.map((id) => exposed.get(id) ?? 0);
  const check = srm(units, weights, { threshold: p.srmThreshold });
  const arms: ArmReport[] = armIds.map((variant, i) => ({
    variant,
    units: units[i] ?? 0,
    weight: (weights[i] ?? 0) / weightTotal,
    active: (weights[i] ?? 0) > 0,
    expectedUnits: check.expected[i] ?? 0,
  }));
  const active = arms.filter((a) => a.active);
  for (const a of arms) {
    if (!a.active) {
      warnings.push(
        `arm ${JSON.stringify(a.variant)} is switched off (weight 0): left out of the comparison` +
          (a.units > 0 ? ` (its ${a.units} units are not analysed)` : ""),
      );
    }
  }
  const minimum = p.minimumSample;
  const reached = minimum === undefined || active.every((a) => a.units >= minimum);
  if (minimum === undefined && p.method === "fixed") {
    warnings.push(
      "the plan sets no minimumSample: fixed-horizon results are valid only at a sample size fixed in advance",
    );
  }
  if ((s.unitsInSeveralVariants ?? 0) > 0) {
    warnings.push(
      `${s.unitsInSeveralVariants} units were exposed to more than one variant (counted in their first)`,
    );
  }
  if ((s.unattributedOutcomes ?? 0) > 0) {
    warnings.push(`${s.unattributedOutcomes} outcomes had no earlier exposure and were left out`);
  }

  const treatmentIds = active.map((a) => a.variant).filter((id) => id !== p.control);
  // What each plan metric is measured on, by its name: the recorded outcome it reads; for a capped metric the
  // store's capped statistics of it; for a ratio its linearized per-unit values (see ratioMetric).
  const recorded = new Map(s.metrics.map((m) => [m.metric, m]));
  const caps = new Map<string, number>();
  const sources = new Map<string, MetricSummary | undefined>();
  for (const m of p.metrics) {
    if (m.ratio !== undefined) sources.set(m.metric, ratioMetric(m.metric, m.ratio, s, exposed));
    // A quantile metric reads the summary's quantile entry; the recorded outcome only says it has data.
    else if (m.quantile !== undefined)
      sources.set(m.metric, quantileEntry(m, s) === undefined ? undefined : recorded.get(m.outcome));
    else if (m.windowMs !== undefined)
      sources.set(m.metric, windowedMetric(m.metric, m.outcome, m.windowMs, s));
    else if (m.capping !== undefined) {
      const capped = cappedMetric(m.metric, m.outcome, m.capping, s);
      sources.set(m.metric, capped?.metric);
      if (capped !== undefined) caps.set(m.metric, capped.cap);
    } else sources.set(m.metric, recorded.get(m.outcome));
  }
  for (const m of p.metrics) {
    if (sources.get(m.metric) === undefined)
      warnings.push(
        m.outcome === m.metric
          ? `metric ${JSON.stringify(m.metric)} has no recorded outcomes`
          : `metric ${JSON.stringify(m.metric)} has no recorded outcomes (it reads ${JSON.stringify(m.outcome)})`,
      );
  }
  const cuped = new Map<string, CupedSummary>();
  for (const m of p.metrics) {
    if (m.cuped === undefined) continue;
    const preWindowMs = m.cuped.preWindowMs;
    const entry = s.cuped?.find((c) => c.metric === m.outcome && c.preWindowMs === preWindowMs);
    if (entry === undefined) {
      warnings.push(
        `metric ${JSON.stringify(m.metric)}: no pre-period data in the summary; tested without CUPED`,
      );
    } else cuped.set(m.metric, entry);
  }
  if (p.method === "sequential") {
    for (const m of p.metrics.filter((x) => x.quantile !== undefined)) {
      warnings.push(
        `metric ${JSON.stringify(m.metric)}: the quantile test is fixed-horizon only (no confidence sequence); in this sequential plan read it once, at the planned sample: every further look inflates its false-positive rate`,
      );
    }
  }
  const guardrails = p.metrics.filter((m) => m.role === "guardrail").length;
  const guardrailTuning =
    p.sequentialTuning ?? (minimum === undefined ? DEFAULT_SEQUENTIAL_TUNING : 2 * minimum);
  const ctx: MeasureContext = {
    plan: p,
    exposed,
    guardrailTestAlpha: p.guardrailAlpha / Math.max(1, guardrails * treatmentIds.length),
    guardrailTuning,
    cuped,
  };

  const rows: Array<Array<Mutable<MetricResult>>> = treatmentIds.map((treatment) =>
    p.metrics.map((m) => {
      const result =
        m.quantile !== undefined
          ? measureQuantile(ctx, m, quantileEntry(m, s), treatment)
          : measure(ctx, m, sources.get(m.metric), treatment);
      const cap = caps.get(m.metric);
      if (cap !== undefined) result.cap = cap;
      if (m.capping !== undefined) result.capping = m.capping;
      if (m.windowMs !== undefined) result.windowMs = m.windowMs;
      if (m.ratio !== undefined) result.ratio = m.ratio;
      if (m.cuped !== undefined) result.cupedPreWindowMs = m.cuped.preWindowMs;
      return result;
    }),
  );
  // Two families: primary × treatments decides a ship; secondary × treatments is corrected on its own.
  for (const role of ["primary", "secondary"] as const) {
    const family = rows.flatMap((row) => row.filter((r) => r.role === role && r.warning === undefined));
    const adjusted = adjust(
      family.map((r) => r.pValue),
      p.correction,
    );
    family.forEach((r, i) => {
      applyCorrection(r, adjusted[i] ?? 1, p.alpha);
    });
  }
  rows.forEach((row, t) => {
    for (const r of row) relativeWarning(r, treatmentIds[t] ?? "", warnings);
  });

  const treatments: TreatmentReport[] = treatmentIds.map((variant, t) =>
    decideTreatment(p, variant, rows[t] ?? [], check.mismatch, reached),
  );
  const overall = decideExperiment(treatments, p, check.mismatch, pairwiseTest(p, s, sources, exposed));
  return {
    experiment: s.experiment,
    control: p.control,
    method: p.method,
    ...(p.sequentialTuning === undefined ? {} : { sequentialTuning: p.sequentialTuning }),
    alpha: p.alpha,
    correction: p.correction,
    guardrailAlpha: p.guardrailAlpha,
    guardrailTuning,
    arms,
    srm: { pValue: check.pValue, mismatch: check.mismatch, threshold: p.srmThreshold },
    sample: { ...(minimum === undefined ? {} : { minimumPerArm: minimum }), reached },
    treatments,
    ...overall,
    warnings,
    ...(s.breakdown === undefined
      ? {}
      : {
          breakdown: evaluateBreakdown(plan, s.breakdown, s.experiment, p, evaluate),
        }),
  };
}

/** A relative CI that is unbounded or reaches past ±100% says little about the lift: say so. */
function relativeWarning(r: MetricResult, treatment: string, warnings: string[]): void {
  if (r.scale !== "relative" || r.warning !== undefined) return;
  const [lo, hi] = r.ci;
  const where = `${r.metric} (${treatment})`;
  const unbounded = !Number.isFinite(lo) || !Number.isFinite(hi);
  if (unbounded) {
    warnings.push(
      `${where}: the relative CI is unbounded, the control mean is not distinguishable from 0; read the absolute effect`,
    );
  } else if ((Number.isFinite(lo) && lo < -1) || (Number.isFinite(hi) && hi > 1)) {
    warnings.push(
      `${where}: the relative CI reaches past ±100%; the control mean is small against its standard error`,
    );
  }
}

/** Best against another shippable treatment on the first primary metric, with the plan's test. */
function pairwiseTest(
  p: ResolvedPlan,
  s: SummaryInput,
  sources: ReadonlyMap<string, MetricSummary | undefined>,
  exposed: ReadonlyMap<string, number>,
): PairwiseTest {
  const m = p.metrics.find((x) => x.role === "primary");
  const metric = m === undefined ? undefined : sources.get(m.metric);
  const quantiles = m === undefined ? undefined : quantileEntry(m, s);
  if (m?.quantile !== undefined) {
    const probability = m.quantile.probability;
    return (best, other) => {
      const a = quantiles?.variants.find((v) => v.variantId === other);
      const b = quantiles?.variants.find((v) => v.variantId === best);
      if (a === undefined || b === undefined) return { pValue: 1, better: false };
      const r = compareQuantiles(a, b, { probability, alpha: p.alpha });
      if (r.warning !== undefined) return { pValue: 1, better: false };
      return { pValue: r.pValue, better: m.direction === "decrease" ? r.estimate < 0 : r.estimate > 0 };
    };
  }
  return (best, other) => {
    // The absolute scale: the same null (equal means) as the relative one, with no ratio to estimate.
    const r = compare(statsOf(metric, other, exposed), statsOf(metric, best, exposed), {
      type: m?.type ?? typeOf(metric),
      scale: "absolute",
      alpha: p.alpha,
      sides: "two",
      ...(p.sequentialTuning === undefined ? {} : { sequential: { tuning: p.sequentialTuning } }),
    });
    if (r.warning !== undefined) return { pValue: 1, better: false };
    return { pValue: r.pValue, better: m?.direction === "decrease" ? r.estimate < 0 : r.estimate > 0 };
  };
}

function armOrder(p: ResolvedPlan, s: SummaryInput, warnings: string[]): string[] {
  const ids = p.weights === undefined ? s.variants.map((v) => v.variantId) : Object.keys(p.weights);
  if (p.weights !== undefined) {
    for (const v of s.variants) {
      if (!(v.variantId in p.weights)) {
        warnings.push(`variant ${JSON.stringify(v.variantId)} is not in the plan's weights; it is left out`);
      }
    }
  }
  const ordered = [p.control, ...ids.filter((id) => id !== p.control)];
  if (ordered.length < 2) {
    throw new StatsInputError(
      "summary.variants",
      `needs the control ${JSON.stringify(p.control)} and at least one treatment (set plan.weights to name the arms before any exposure)`,
    );
  }
  return ordered;
}
