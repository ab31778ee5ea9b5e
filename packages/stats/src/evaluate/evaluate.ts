import type { MetricSummary } from "@assay/core";
import { adjust } from "../adjust/adjust.js";
import { type CompareOptions, compare, type Sides } from "../frequentist/compare.js";
import type { MetricType, SampleStats } from "../moments/types.js";
import { srm } from "../srm/srm.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import { type ExperimentPlan, type ResolvedPlan, type ResolvedPlanMetric, resolvePlan } from "./plan.js";
import type {
  ArmReport,
  ExperimentDecision,
  ExperimentReport,
  MetricResult,
  MetricVerdict,
  TreatmentDecision,
  TreatmentReport,
} from "./report.js";
import { checkSummary, type SummaryInput } from "./summary.js";

/**
 * The decision report of one experiment: for each treatment and planned metric the effect, CI, raw
 * and adjusted p-value and verdict; guardrail breaches; the SRM check (a mismatch blocks every decision
 * but rollback); whether the planned sample is reached; and a recommendation with its reasons.
 *
 * `summary` is the event store's `ExperimentSummary`. Arms are the plan's `weights` keys when given,
 * else the summary's variants; an arm missing from the summary counts 0 units.
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
    expectedUnits: check.expected[i] ?? 0,
  }));
  const reached = p.minimumSample === undefined || units.every((n) => n >= (p.minimumSample ?? 0));
  if (p.minimumSample === undefined && p.method === "fixed") {
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

  const treatmentIds = armIds.filter((id) => id !== p.control);
  const metricsById = new Map(s.metrics.map((m) => [m.metric, m]));
  for (const m of p.metrics) {
    if (!metricsById.has(m.metric))
      warnings.push(`metric ${JSON.stringify(m.metric)} has no recorded outcomes`);
  }

  // Raw results, then the correction over primary + secondary × treatments.
  const rows = treatmentIds.map((treatment) =>
    p.metrics.map((m) => measure(p, m, metricsById.get(m.metric), exposed, treatment)),
  );
  const family: Array<[number, number]> = [];
  rows.forEach((row, t) => {
    row.forEach((r, k) => {
      if (r.role !== "guardrail") family.push([t, k]);
    });
  });
  const adjusted = adjust(
    family.map(([t, k]) => rows[t]?.[k]?.pValue ?? 1),
    p.correction,
  );
  family.forEach(([t, k], i) => {
    const row = rows[t];
    const r = row?.[k];
    if (row === undefined || r === undefined) return;
    row[k] = withVerdict(r, adjusted[i] ?? 1, p.alpha);
  });

  const treatments: TreatmentReport[] = treatmentIds.map((variant, t) =>
    decide(p, variant, rows[t] ?? [], check.mismatch, reached),
  );
  const overall = overallDecision(treatments, p);
  return {
    experiment: s.experiment,
    control: p.control,
    method: p.method,
    ...(p.sequentialTuning === undefined ? {} : { sequentialTuning: p.sequentialTuning }),
    alpha: p.alpha,
    correction: p.correction,
    guardrailAlpha: p.guardrailAlpha,
    arms,
    srm: { pValue: check.pValue, mismatch: check.mismatch, threshold: p.srmThreshold },
    sample: { ...(p.minimumSample === undefined ? {} : { minimumPerArm: p.minimumSample }), reached },
    treatments,
    ...overall,
    warnings,
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

function statsOf(
  metric: MetricSummary | undefined,
  variant: string,
  exposed: Map<string, number>,
): SampleStats {
  const found = metric?.variants.find((v) => v.variantId === variant);
  if (found !== undefined) return { n: found.n, sum: found.sum, sumSquares: found.sumSquares };
  // The store counts a unit with no outcome as 0: an arm with no outcomes is all zeros.
  return { n: exposed.get(variant) ?? 0, sum: 0, sumSquares: 0 };
}

/** Raw result of one metric for one treatment (verdict provisional for primary/secondary). */
function measure(
  p: ResolvedPlan,
  m: ResolvedPlanMetric,
  metric: MetricSummary | undefined,
  exposed: Map<string, number>,
  treatment: string,
): MetricResult {
  const type: MetricType = metric?.kind === "bool" ? "proportion" : "mean";
  const control = statsOf(metric, p.control, exposed);
  const trt = statsOf(metric, treatment, exposed);
  const guardrail = m.role === "guardrail";
  // Guardrails test the harmful side only: H0 "no worse than the margin".
  const sides: Sides = !guardrail ? "two" : m.direction === "increase" ? "less" : "greater";
  const options: CompareOptions = {
    type,
    scale: m.scale,
    alpha: guardrail ? p.guardrailAlpha : p.alpha,
    sides,
    nullEffect: guardrail ? (m.direction === "increase" ? -m.margin : m.margin) : 0,
    ...(p.sequentialTuning === undefined ? {} : { sequential: { tuning: p.sequentialTuning } }),
  };
  const r = compare(control, trt, options);
  const warning = metric === undefined ? ("metric-not-recorded" as const) : r.warning;
  const significant = guardrail && warning === undefined && r.pValue < p.guardrailAlpha;
  const verdict: MetricVerdict =
    warning !== undefined
      ? "insufficient-data"
      : guardrail
        ? significant
          ? "breach"
          : "ok"
        : "inconclusive";
  const result: Mutable<MetricResult> = {
    metric: m.metric,
    role: m.role,
    direction: m.direction,
    type,
    scale: m.scale,
    sides,
    controlUnits: control.n,
    treatmentUnits: trt.n,
    controlMean: r.controlMean,
    treatmentMean: r.treatmentMean,
    estimate: r.estimate,
    standardError: r.standardError,
    ci: r.ci,
    df: r.df,
    pValue: r.pValue,
    adjustedPValue: r.pValue,
    significant,
    verdict,
  };
  if (warning !== undefined) result.warning = warning;
  return result;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Sets the adjusted p-value and the verdict of a primary/secondary result (a fresh object from measure). */
function withVerdict(r: Mutable<MetricResult>, adjustedPValue: number, alpha: number): MetricResult {
  r.adjustedPValue = adjustedPValue;
  if (r.warning !== undefined) return r;
  r.significant = adjustedPValue < alpha;
  const good = r.direction === "increase" ? r.estimate > 0 : r.estimate < 0;
  r.verdict = !r.significant ? "inconclusive" : good ? "win" : "loss";
  return r;
}

function decide(
  p: ResolvedPlan,
  variant: string,
  metrics: readonly MetricResult[],
  srmMismatch: boolean,
  reached: boolean,
): TreatmentReport {
  const reasons: string[] = [];
  const names = (rs: readonly MetricResult[]) => rs.map((r) => r.metric).join(", ");
  const breaches = metrics.filter((r) => r.verdict === "breach");
  const primary = metrics.filter((r) => r.role === "primary");
  const wins = primary.filter((r) => r.verdict === "win");
  const losses = primary.filter((r) => r.verdict === "loss");
  let decision: TreatmentDecision;
  if (breaches.length > 0) {
    decision = "rollback";
    reasons.push(`guardrail breached: ${names(breaches)}`);
  } else if (srmMismatch) {
    decision = "investigate-srm";
    reasons.push(
      "sample ratio mismatch: the observed split does not match the plan, so no result can be trusted",
    );
  } else if (!reached) {
    decision = "continue";
    reasons.push(`planned sample of ${p.minimumSample} units per arm not reached`);
  } else if (losses.length > 0) {
    decision = "reject";
    reasons.push(`primary metric worse: ${names(losses)}`);
  } else if (wins.length > 0) {
    decision = "ship";
    reasons.push(`primary metric better: ${names(wins)}`);
  } else if (p.method === "sequential") {
    decision = "continue";
    reasons.push("no primary metric is significant yet; the sequential test allows collecting more data");
  } else {
    decision = "no-effect";
    reasons.push("no primary metric is significant at the planned sample size");
  }
  return { variant, decision, reasons, metrics };
}

function overallDecision(
  treatments: readonly TreatmentReport[],
  p: ResolvedPlan,
): { decision: ExperimentDecision; winner?: string; reasons: string[] } {
  const pick = (d: TreatmentDecision) => treatments.filter((t) => t.decision === d);
  const label = (ts: readonly TreatmentReport[]) => ts.map((t) => t.variant).join(", ");
  const rollback = pick("rollback");
  if (rollback.length > 0) return { decision: "rollback", reasons: [`roll back ${label(rollback)}`] };
  const srmBlocked = pick("investigate-srm");
  if (srmBlocked.length > 0) {
    return { decision: "investigate-srm", reasons: ["sample ratio mismatch blocks any decision"] };
  }
  const ship = pick("ship");
  if (ship.length > 0) {
    const primaryMetric = p.metrics.find((m) => m.role === "primary")?.metric;
    const score = (t: TreatmentReport) => {
      const r = t.metrics.find((m) => m.metric === primaryMetric);
      if (r === undefined) return Number.NEGATIVE_INFINITY;
      return r.direction === "increase" ? r.estimate : -r.estimate;
    };
    const best = [...ship].sort((a, b) => score(b) - score(a))[0];
    if (best !== undefined) {
      return { decision: "ship", winner: best.variant, reasons: [`ship ${best.variant}`, ...best.reasons] };
    }
  }
  const cont = pick("continue");
  if (cont.length > 0) return { decision: "continue", reasons: [`keep collecting data for ${label(cont)}`] };
  return {
    decision: "keep-control",
    reasons: ["no treatment is better than control on the primary metrics"],
  };
}
