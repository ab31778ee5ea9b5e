import type { ExperimentEntry } from "@assay/config";
import type {
  CapRequest,
  CupedRequest,
  ExperimentDefinition,
  ExperimentSummary,
  QuantileRequest,
  RatioPair,
  SummaryScope,
  WindowRequest,
} from "@assay/core";
import {
  adjust,
  type ExperimentPlan,
  type ExperimentReport,
  evaluate,
  type MetricResult,
  srm,
  type TreatmentReport,
} from "@assay/stats";
import { scopeNotes } from "./scope-notes.js";
import { table } from "./table.js";

/** A metric of the exploratory report: no role and no direction were declared, so no win or loss either. */
export interface ExploratoryMetricResult extends Omit<MetricResult, "role" | "direction" | "verdict"> {
  /** Which way the treatment moved the metric, when significant after the correction. */
  readonly verdict: "higher" | "lower" | "inconclusive" | "insufficient-data";
}

/**
 * What `assay results` reports for an experiment without `[plugins.experiments.analysis]`: every recorded
 * metric compared with the control, two-sided, fixed horizon, alpha 0.05, Holm-corrected over all metrics ×
 * treatments; the SRM check against the variants' weights; and no decision, since nothing was planned.
 */
export interface ExploratoryReport
  extends Omit<
    ExperimentReport,
    "treatments" | "decision" | "winner" | "cannotTellApart" | "guardrailAlpha" | "guardrailTuning"
  > {
  readonly exploratory: true;
  readonly decision: "none";
  readonly treatments: ReadonlyArray<{
    readonly variant: string;
    readonly metrics: readonly ExploratoryMetricResult[];
  }>;
}

/**
 * The report of `assay results`: `evaluate`'s, or the exploratory one; with the environment and phase the
 * summary covered (`scope`), and what the report says of them among its warnings (see scopeNotes).
 */
export type ResultsReport = (ExperimentReport | ExploratoryReport) & { readonly scope?: SummaryScope };

const NO_PLAN_REASON =
  "no analysis plan in the manifest: exploratory comparison of every recorded metric, no decision; " +
  "declare [plugins.experiments.analysis] with the primary metric to get one";

const NO_SAMPLE =
  "no sample size was planned: fixed-horizon p-values are valid only at a sample size fixed in advance";

/**
 * The report of `summary`: `evaluate` of the experiment's plan when the manifest declares one, otherwise
 * the exploratory report. `only` restricts the metric rows shown (the decision still uses the whole plan).
 */
export function reportOf(
  definition: ExperimentDefinition,
  summary: ExperimentSummary,
  only: readonly string[] | undefined,
): ResultsReport {
  const plan = (definition as ExperimentEntry).analysis;
  const scoped = <R extends ExperimentReport | ExploratoryReport>(
    report: R,
  ): R & { scope?: SummaryScope } => {
    if (summary.scope === undefined) return report;
    const warnings = [...report.warnings, ...scopeNotes(definition, summary)];
    return { ...report, scope: summary.scope, warnings } as R & { scope?: SummaryScope };
  };
  if (plan === undefined) return scoped(exploratory(definition, summary));
  const report = scoped(evaluate(plan, summary));
  if (only === undefined) return report;
  return {
    ...report,
    treatments: report.treatments.map((t) => ({
      ...t,
      metrics: t.metrics.filter((m) => only.includes(m.metric)),
    })),
  };
}

/**
 * The recorded outcomes the plan's metrics read (a `[[metrics]]` definition names its own), when it has a plan:
 * what a summary for it must hold.
 */
export function plannedOutcomes(definition: ExperimentDefinition): string[] | undefined {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return undefined;
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.ratio === undefined ? [m.outcome ?? m.metric] : [m.ratio.numerator, m.ratio.denominator],
  );
}

/** The cappings of the plan's capped metrics, whose capped statistics a summary must hold. */
export function plannedCaps(definition: ExperimentDefinition): CapRequest[] {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return [];
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.capping === undefined ? [] : [{ metric: m.outcome ?? m.metric, ...m.capping }],
  );
}

/** The windows of the plan's windowed metrics, whose windowed statistics a summary must hold. */
export function plannedWindows(definition: ExperimentDefinition): WindowRequest[] {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return [];
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.windowMs === undefined ? [] : [{ metric: m.outcome ?? m.metric, windowMs: m.windowMs }],
  );
}

/** The pre-periods of the plan's CUPED metrics, whose covariates a summary must hold. */
export function plannedCuped(definition: ExperimentDefinition): CupedRequest[] {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return [];
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.cuped === undefined ? [] : [{ metric: m.outcome ?? m.metric, preWindowMs: m.cuped.preWindowMs }],
  );
}

/** The quantiles of the plan's quantile metrics, which a summary must hold (at the default 95% confidence). */
export function plannedQuantiles(definition: ExperimentDefinition): QuantileRequest[] {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return [];
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.quantile === undefined
      ? []
      : [
          {
            metric: m.outcome ?? m.metric,
            probability: m.quantile.probability,
            ...(m.quantile.ignoreZeros === true ? { ignoreZeros: true } : {}),
          },
        ],
  );
}

/**
 * Everything the plan's derived metrics need a summary to hold besides the recorded outcomes (ratios' cross-
 * products, caps, windows, CUPED covariates, quantiles), each key only when the plan has one: what the
 * dashboard asks the store for, so its report is the one `assay results` prints.
 */
export function plannedQueries(definition: ExperimentDefinition): {
  ratios?: RatioPair[];
  capped?: CapRequest[];
  windowed?: WindowRequest[];
  cuped?: CupedRequest[];
  quantiles?: QuantileRequest[];
} {
  const parts = {
    ratios: plannedRatios(definition),
    capped: plannedCaps(definition),
    windowed: plannedWindows(definition),
    cuped: plannedCuped(definition),
    quantiles: plannedQuantiles(definition),
  };
  return Object.fromEntries(Object.entries(parts).filter(([, list]) => list.length > 0));
}

/** The numerator/denominator pairs of the plan's ratio metrics, whose cross-products a summary must hold. */
export function plannedRatios(definition: ExperimentDefinition): RatioPair[] {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return [];
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].flatMap((m) =>
    m.ratio === undefined ? [] : [{ numerator: m.ratio.numerator, denominator: m.ratio.denominator }],
  );
}

/** The metrics of the experiment's plan, when it has one. */
export function plannedMetrics(definition: ExperimentDefinition): string[] | undefined {
  const plan = (definition as ExperimentEntry).analysis;
  if (plan === undefined) return undefined;
  return [...plan.primary, ...(plan.secondary ?? []), ...(plan.guardrails ?? [])].map((m) => m.metric);
}

function exploratory(definition: ExperimentDefinition, summary: ExperimentSummary): ExploratoryReport {
  const control = definition.variants.find((v) => v.isControl)?.id ?? definition.variants[0]?.id ?? "";
  const weights = Object.fromEntries(definition.variants.map((v) => [v.id, v.weight]));
  const [first, ...rest] = summary.metrics.map((m) => ({ metric: m.metric }));
  if (first === undefined) return withoutMetrics(definition, summary, control, weights);
  // Roles only matter for the decision, which is dropped; evaluate corrects primary and secondary
  // metrics apart, so the one family of every metric × treatment is corrected here.
  const plan: ExperimentPlan = { control, primary: [first], secondary: rest, weights, correction: "holm" };
  const {
    decision: _d,
    winner: _w,
    cannotTellApart: _c,
    guardrailAlpha: _g,
    guardrailTuning: _t,
    treatments,
    ...report
  } = evaluate(plan, summary);
  const tested = treatments.flatMap((t) => t.metrics).filter((m) => m.warning === undefined);
  const adjusted = new Map(
    adjust(
      tested.map((m) => m.pValue),
      "holm",
    ).map((p, i) => [tested[i], p]),
  );
  return {
    ...report,
    warnings: report.warnings.map((w) => (w.startsWith("the plan sets no minimumSample") ? NO_SAMPLE : w)),
    exploratory: true,
    decision: "none",
    reasons: [NO_PLAN_REASON],
    treatments: treatments.map((t) => ({
      variant: t.variant,
      metrics: t.metrics.map((m) => undirected(m, adjusted.get(m), report.alpha)),
    })),
  };
}

function undirected(
  r: MetricResult,
  adjustedPValue: number | undefined,
  alpha: number,
): ExploratoryMetricResult {
  const { role: _r, direction: _d, verdict, ...rest } = r;
  if (verdict === "insufficient-data" || adjustedPValue === undefined) {
    return { ...rest, verdict: "insufficient-data" };
  }
  const significant = adjustedPValue < alpha;
  return {
    ...rest,
    adjustedPValue,
    significant,
    verdict: !significant ? "inconclusive" : r.estimate > 0 ? "higher" : "lower",
  };
}

/** No outcome recorded yet: the arms and the SRM check only. */
function withoutMetrics(
  definition: ExperimentDefinition,
  summary: ExperimentSummary,
  control: string,
  weights: Readonly<Record<string, number>>,
): ExploratoryReport {
  const ids = [control, ...definition.variants.map((v) => v.id).filter((id) => id !== control)];
  const exposed = new Map(summary.variants.map((v) => [v.variantId, v.exposedUnits]));
  const units = ids.map((id) => exposed.get(id) ?? 0);
  const w = ids.map((id) => weights[id] ?? 0);
  const total = w.reduce((a, b) => a + b, 0);
  const check = srm(units, w);
  return {
    experiment: summary.experiment,
    control,
    method: "fixed",
    alpha: 0.05,
    correction: "holm",
    arms: ids.map((variant, i) => ({
      variant,
      units: units[i] ?? 0,
      weight: (w[i] ?? 0) / total,
      active: (w[i] ?? 0) > 0,
      expectedUnits: check.expected[i] ?? 0,
    })),
    srm: { pValue: check.pValue, mismatch: check.mismatch, threshold: 0.001 },
    sample: { reached: true },
    treatments: ids
      .slice(1)
      .filter((_, i) => (w[i + 1] ?? 0) > 0)
      .map((variant) => ({ variant, metrics: [] })),
    exploratory: true,
    decision: "none",
    reasons: [NO_PLAN_REASON],
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------- text

/** The report as the text `assay results` prints after the store summary. */
export function renderReport(report: ResultsReport): string {
  const out: string[] = [];
  const planned = !("exploratory" in report);
  if (planned) {
    const r = report as ExperimentReport;
    const method =
      r.method === "sequential"
        ? `sequential (confidence sequences tuned for ${r.sequentialTuning} units: safe to look at any time)`
        : "fixed horizon";
    const corrected = correctionName(r.correction);
    out.push(
      `analysis plan: ${method}; primary metrics two-sided, ${corrected} over primary metrics × treatments ` +
        `(the family that decides a ship); secondary metrics two-sided, ${corrected} among themselves; ` +
        `guardrails: one-sided confidence sequences (valid at every look) at ${r.guardrailAlpha} split over ` +
        `guardrails × treatments (Bonferroni), against their margin`,
    );
  } else {
    out.push(
      `exploratory analysis (no plan in the manifest): every metric two-sided, ${formatPercent(1 - report.alpha)} CIs, ` +
        `${correctionName(report.correction)}, fixed horizon`,
    );
  }
  out.push(sampleLine(report), srmLine(report));
  for (const t of report.treatments) {
    out.push("", `${t.variant} vs ${report.control}`);
    if (t.metrics.length === 0) {
      out.push("  no metric recorded yet");
    } else {
      out.push(
        table(
          [
            "metric",
            ...(planned ? ["role"] : []),
            `${report.control} mean`,
            `${t.variant} mean`,
            "effect",
            "CI",
            "p",
            "adj. p",
            "significant",
            "result",
          ],
          t.metrics.map((m) => metricRow(m, planned)),
        ),
      );
      out.push(`  ${ciLegend(t.metrics, report.correction)}`);
      for (const m of t.metrics) {
        const how = definitionNote(m);
        if (how !== undefined) out.push(`  ${m.metric}: ${how}`);
      }
    }
    if ("decision" in t) {
      const tr = t as TreatmentReport;
      out.push(`decision for ${tr.variant}: ${tr.decision}: ${tr.reasons.join("; ")}`);
    }
  }
  out.push("");
  if (planned) {
    const r = report as ExperimentReport;
    out.push(`decision: ${r.decision.toUpperCase()}: ${r.reasons.join("; ")}`);
  } else {
    out.push(`decision: none: ${report.reasons.join("; ")}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}

/**
 * Says at what level the CIs of a table are and whether they are adjusted like the p-values beside them:
 * primary/secondary CIs are the tests' unadjusted ones, guardrail CIs are at the guardrails' adjusted level.
 */
function ciLegend(
  metrics: ReadonlyArray<MetricResult | ExploratoryMetricResult>,
  correction: string,
): string {
  const parts: string[] = [];
  const tested = metrics.filter((m) => m.verdict !== "insufficient-data");
  const tests = tested.filter((m) => !("role" in m) || m.role !== "guardrail");
  const guards = tested.filter((m) => "role" in m && m.role === "guardrail");
  const first = tests[0];
  if (first !== undefined) {
    const adjusted = first.ciAdjusted;
    parts.push(
      `CIs ${formatPercent(first.ciLevel)}${adjusted ? "" : `, unadjusted (the adj. p beside them is ${correctionName(correction)})`}`,
    );
  }
  const guard = guards[0];
  if (guard !== undefined) {
    parts.push(`guardrail CIs ${formatPercent(guard.ciLevel)} (two one-sided bounds), adjusted like their p`);
  }
  const relativeUnbounded = tested.some(
    (m) => m.scale === "relative" && (!Number.isFinite(m.ci[0]) || !Number.isFinite(m.ci[1])),
  );
  if (relativeUnbounded) parts.push("∞: the control mean is not distinguishable from 0");
  return parts.length === 0 ? "no CI: nothing could be tested" : `${parts.join("; ")}`;
}

/** How a metric of `[[metrics]]` was computed, when it is more than an outcome's mean: ratio, window, cap, quantile. */
function definitionNote(r: MetricResult | ExploratoryMetricResult): string | undefined {
  const parts: string[] = [];
  if (r.quantile !== undefined) parts.push(quantileNote(r.quantile));
  if (r.ratio !== undefined) parts.push(`ratio ${r.ratio.numerator} / ${r.ratio.denominator}`);
  if (r.windowMs !== undefined) parts.push(`outcomes within ${formatWindow(r.windowMs)} of first exposure`);
  if (r.cupedPreWindowMs !== undefined) {
    parts.push(
      r.varianceReduction === undefined
        ? `CUPED (${formatWindow(r.cupedPreWindowMs)} before first exposure): not applied`
        : `CUPED (${formatWindow(r.cupedPreWindowMs)} before first exposure): variance ${r.varianceReduction >= 0 ? "−" : "+"}${Math.abs(Math.round(r.varianceReduction * 100))}%`,
    );
  }
  if (r.capping !== undefined) {
    const how = "percentile" in r.capping ? `pooled p${r.capping.percentile * 100}` : "fixed";
    parts.push(r.cap === undefined ? `capped (${how}), no capped data` : `capped at ${r.cap} (${how})`);
  }
  return parts.length === 0 ? undefined : parts.join("; ");
}

/**
 * "p90 of per-unit values, 95% order-statistic interval: control 52.1 [48.3, 57.0] (n 320), …": the table's
 * means are these quantiles, and the effect is their difference.
 */
function quantileNote(q: NonNullable<MetricResult["quantile"]>): string {
  const name = `p${Number((q.probability * 100).toPrecision(12))}`;
  const over = q.ignoreZeros ? "nonzero per-unit values (units without one left out)" : "per-unit values";
  if (q.confidence === 0) return `${name} of ${over}; the summary has no quantile for it`;
  const arm = (label: string, a: NonNullable<MetricResult["quantile"]>["control"]) =>
    a.n === 0
      ? `${label} no units`
      : `${label} ${short(a.estimate)} [${short(a.lower)}, ${short(a.upper)}] (n ${a.n}${a.coverage < q.confidence ? `, covers ${formatPercent(a.coverage)} only` : ""})`;
  return `${name} of ${over}, ${formatPercent(q.confidence)} order-statistic interval: ${arm("control", q.control)}, ${arm("treatment", q.treatment)}; the means columns are the quantiles, the effect their difference`;
}

function short(x: number): number {
  return Number(x.toPrecision(6));
}

function formatWindow(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms} ms`;
}

function metricRow(m: MetricResult | ExploratoryMetricResult, planned: boolean): string[] {
  const missing = m.verdict === "insufficient-data";
  const fallback = m.scale !== m.plannedScale ? " (absolute: control mean 0)" : "";
  return [
    m.metric,
    ...(planned && "role" in m ? [m.role] : []),
    formatMean(m.controlMean, m.controlUnits),
    formatMean(m.treatmentMean, m.treatmentUnits),
    missing ? "-" : `${formatEffect(m.estimate, m.scale)}${fallback}`,
    missing ? "-" : `[${formatEffect(m.ci[0], m.scale)}, ${formatEffect(m.ci[1], m.scale)}]`,
    missing ? "-" : formatP(m.pValue),
    missing ? "-" : formatP(m.adjustedPValue),
    missing ? "-" : m.significant ? "yes" : "no",
    verdictText(m),
  ];
}

function verdictText(m: MetricResult | ExploratoryMetricResult): string {
  if (m.verdict === "insufficient-data") return `insufficient data (${m.warning ?? "no estimate"})`;
  if ("role" in m && m.role === "guardrail") {
    if (m.verdict === "breach") return "BREACH";
    if (m.verdict === "inconclusive") return "not shown within margin";
  }
  return m.verdict;
}

function sampleLine(report: ResultsReport): string {
  const units = report.arms.map((a) => `${a.variant} ${a.units}`).join(", ");
  const min = report.sample.minimumPerArm;
  if (min === undefined) return `sample: ${units} units (no minimum sample planned)`;
  const smallest = Math.min(...report.arms.filter((a) => a.weight > 0).map((a) => a.units));
  const progress = `${formatPercent(Math.min(smallest / min, 1))}`;
  return `sample: ${units} units; planned ${min} per arm: ${report.sample.reached ? "reached" : `not reached (${progress})`}`;
}

function srmLine(report: ResultsReport): string {
  const expected = report.arms.map((a) => `${a.variant} ${formatCount(a.expectedUnits)}`).join(", ");
  const verdict = report.srm.mismatch ? "MISMATCH: the split does not match the weights" : "ok";
  return `sample ratio: p = ${formatP(report.srm.pValue)} (alarm below ${report.srm.threshold}; expected ${expected}): ${verdict}`;
}

function correctionName(c: string): string {
  switch (c) {
    case "holm":
      return "Holm-corrected";
    case "bonferroni":
      return "Bonferroni-corrected";
    case "bh":
      return "Benjamini-Hochberg-corrected";
    default:
      return "not corrected";
  }
}

/** Means to 4 decimals (as the summary table), "-" for an arm with no units. */
export function formatMean(mean: number, units: number): string {
  return units === 0 ? "-" : mean.toFixed(4);
}

/** An effect with its sign: relative as a percentage with 2 decimals, absolute to 4 significant digits; ±∞. */
export function formatEffect(value: number, scale: "relative" | "absolute"): string {
  if (value === Number.POSITIVE_INFINITY) return "∞";
  if (value === Number.NEGATIVE_INFINITY) return "-∞";
  const sign = value > 0 ? "+" : "";
  if (scale === "relative") return `${sign}${(value * 100).toFixed(2)}%`;
  return `${sign}${Number(value.toPrecision(4))}`;
}

/** p-values: 4 decimals, or 2 significant digits in exponent form below 0.0001. */
export function formatP(p: number): string {
  if (p === 0) return "0";
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function formatPercent(x: number): string {
  return `${Number((x * 100).toPrecision(4))}%`;
}

function formatCount(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
