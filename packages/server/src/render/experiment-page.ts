import { intervalRows } from "../charts/experiment-charts.js";
import type { ExperimentView } from "../model/experiment-view.js";
import type { SimulationNote } from "../model/simulation-note.js";
import type { DashboardMetric, DashboardReport } from "../source.js";
import { type BreakdownRequest, breakdownSection } from "./breakdown-section.js";
import { decisionLabel, decisionSummary, decisionTone } from "./decision.js";
import { count, effect, esc, mean, percent, pValue } from "./format.js";
import { page } from "./layout.js";
import { simulationNotice } from "./simulation.js";
import { statusBadge } from "./status.js";

/** The page of one experiment: decision and why, SRM, every metric's intervals, trend, exposures, plan. */
export function experimentPage(
  view: ExperimentView,
  version: string,
  storeName: string,
  base = "",
  simulation?: SimulationNote,
  breakdown?: BreakdownRequest,
): string {
  const { definition, report } = view;
  const root = esc(base);
  const head = `<p class="small"><a href="${root}/">← all experiments</a></p>
<h1>${esc(definition.id)} ${statusBadge(view.status)}</h1>
<p class="muted small">${scopeLabel(report)}${count(view.unitsExposed)} units exposed · ${view.daysRunning} day${view.daysRunning === 1 ? "" : "s"} of data · JSON: <a href="${root}/api/experiments/${encodeURIComponent(definition.id)}">${root}/api/experiments/${esc(definition.id)}</a></p>${simulationNotice(simulation)}`;
  const footer = `events from the ${esc(storeName)} store · report as <code>assay results ${esc(definition.id)} --json</code> prints it`;
  if (view.unitsExposed === 0) {
    const body = `${head}
<section class="card" data-empty="true"><h2>No data yet</h2><p>No unit has been exposed to ${esc(definition.id)} in this store${definition.enabled ? "" : " (the experiment is switched off: everyone gets control and nobody is counted)"}. Once the app calls <code>expose</code>, results appear here.</p></section>
${armsSection(view)}${planSection(view)}`;
    return page({ base, title: definition.id, body, footer });
  }
  const charts = chartUrl(base, definition.id, version);
  const metrics = metricSections(view, charts);
  const trend = trendSection(view, charts);
  const exposures = exposuresSection(view, charts);
  const body = `${head}${banner(report)}${sampleSection(view)}${srmSection(report)}${metrics}${breakdownSection(definition, base, breakdown)}${trend}${exposures}${armsSection(view)}${planSection(view)}${warningsSection(view)}`;
  return page({ base, title: definition.id, body, footer });
}

/** "environment production · phase 2 of 1, 2 · " when the report names the slice of events it covers. */
function scopeLabel(report: DashboardReport | undefined): string {
  const scope = report?.scope;
  if (scope === undefined) return "";
  const phases = scope.phases.length > 1 ? ` (phases with data: ${scope.phases.join(", ")})` : "";
  return `<span data-scope="${esc(scope.environment)}:${scope.phase}">environment ${esc(scope.environment)} · phase ${scope.phase}${phases}</span> · `;
}

/** The URL of one chart image of this data version, without its size. */
type ChartUrl = (name: string, metric?: string) => string;

function chartUrl(base: string, id: string, version: string): ChartUrl {
  return (name, metric) =>
    `${base}/experiments/${encodeURIComponent(id)}/charts/${name}.svg?v=${version}${metric === undefined ? "" : `&metric=${encodeURIComponent(metric)}`}`;
}

/**
 * A chart as an SVG image in two sizes, the narrow one for a phone: a wide SVG scaled down to a phone
 * would shrink its labels below reading size, and the page has no script to redraw it. The images are
 * drawn by their own requests, so the page's text (decision, tables) does not wait for them.
 */
function picture(url: string, alt: string): string {
  const src = esc(url);
  return `<picture><source media="(max-width:640px)" srcset="${src}&amp;size=narrow"><img src="${src}&amp;size=wide" alt="${esc(alt)}"></picture>`;
}

function banner(report: DashboardReport): string {
  const tone = decisionTone(report.decision);
  const perTreatment = report.treatments
    .filter((t) => t.decision !== undefined)
    .map(
      (t) =>
        `<li><strong>${esc(t.variant)}</strong>: ${esc(decisionLabel(t.decision ?? ""))}${t.reasons?.length ? ` — ${esc(t.reasons.join("; "))}` : ""}</li>`,
    )
    .join("");
  return `<section class="banner ${tone}" data-decision="${esc(report.decision)}" aria-label="decision">
<div class="decision">${esc(decisionLabel(report.decision))}</div>
<div class="why">${esc(decisionSummary(report).replace(/^[^:]*: /, ""))}</div>
<ul>${report.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>
${perTreatment === "" || report.treatments.length < 2 ? "" : `<h3>Per treatment</h3><ul>${perTreatment}</ul>`}
</section>`;
}

function sampleSection(view: ExperimentView): string {
  const { report } = view;
  const minimum = report.sample.minimumPerArm;
  if (minimum === undefined) {
    const smallest = Math.min(...report.arms.filter((a) => a.active).map((a) => a.units));
    const why =
      report.method === "sequential"
        ? "The plan is sequential, so its intervals are valid at any look; more units only narrow them."
        : "Without one, a fixed-horizon p-value is valid only at a sample size fixed in advance.";
    return `<section class="card" id="sample"><h2>Sample <span class="badge b-none">none planned</span></h2>
<p class="small">No <code>minimum_sample</code> in the plan; ${Number.isFinite(smallest) ? `${count(smallest)} units in the smallest arm` : "no active arm yet"}. ${why}</p></section>`;
  }
  const rows = report.arms
    .map((a) => {
      const share = minimum === undefined ? undefined : Math.min(a.units / minimum, 1);
      return `<tr><td>${esc(a.variant)}</td><td class="num" data-label="units">${count(a.units)}</td><td class="num" data-label="planned">${minimum === undefined ? "–" : count(minimum)}</td><td class="bar">${share === undefined ? "–" : `<div class="progress" title="${percent(share)}"><i style="width:${(share * 100).toFixed(1)}%"></i></div>`}</td><td class="num" data-label="progress">${share === undefined ? "" : percent(share)}</td></tr>`;
    })
    .join("");
  return `<section class="card" id="sample"><h2>Progress toward the planned sample ${report.sample.reached ? '<span class="badge b-ok">reached</span>' : minimum === undefined ? '<span class="badge b-none">none planned</span>' : '<span class="badge b-warn">not reached</span>'}</h2>
<div class="table-wrap"><table class="stack one"><thead><tr><th>variant</th><th class="num">units</th><th class="num">planned</th><th>progress</th><th></th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function srmSection(report: DashboardReport): string {
  const total = report.arms.reduce((s, a) => s + a.units, 0);
  const rows = report.arms
    .map(
      (a) =>
        `<tr><td>${esc(a.variant)}</td><td class="num" data-label="observed">${count(a.units)}</td><td class="num" data-label="share">${total === 0 ? "–" : percent(a.units / total)}</td><td class="num" data-label="expected">${count(a.expectedUnits)}</td><td class="num wide-only">${percent(a.weight)}</td></tr>`,
    )
    .join("");
  const badge = report.srm.mismatch
    ? '<span class="badge b-bad" data-srm="mismatch">SRM: split mismatch</span>'
    : '<span class="badge b-ok" data-srm="ok">split ok</span>';
  const words = report.srm.mismatch
    ? "The units are not split as the weights say: something between assignment and exposure drops or duplicates units in one arm, so no effect here can be trusted until that is fixed."
    : "The units are split as the weights say.";
  return `<section class="card" id="srm"><h2>Sample ratio check ${badge}</h2>
<p class="small">${words} χ² p = ${pValue(report.srm.pValue)} (alarm below ${report.srm.threshold}).</p>
<div class="table-wrap"><table><thead><tr><th>variant</th><th class="num">observed</th><th class="num">share</th><th class="num">expected</th><th class="num wide-only">weight</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function metricSections(view: ExperimentView, charts: ChartUrl): string {
  const { report } = view;
  const metrics = [...new Set(report.treatments.flatMap((t) => t.metrics.map((m) => m.metric)))];
  if (metrics.length === 0) {
    return `<section class="card" id="metrics"><h2>Metrics</h2><p>No outcome recorded yet: the effects appear once the app calls <code>track</code>.</p></section>`;
  }
  const sections = metrics.map((metric) => {
    const rows = intervalRows(view, metric);
    const first = rows[0]?.metric;
    const tested = rows.filter((r) => r.metric.verdict !== "insufficient-data");
    const alt = `${metric}, effect vs ${report.control}: ${tested.map((r) => `${r.variant} ${effect(r.metric.estimate, r.metric.scale)} [${effect(r.metric.ci[0], r.metric.scale)}, ${effect(r.metric.ci[1], r.metric.scale)}]`).join("; ") || "nothing could be tested"}`;
    const svg = tested.length === 0 ? "" : picture(charts("interval", metric), alt);
    const role = first?.role === undefined ? "" : `<span class="badge b-none">${esc(first.role)}</span> `;
    const direction =
      first?.direction === undefined
        ? ""
        : `<span class="muted small">${first.direction === "decrease" ? "lower is better" : "higher is better"}</span>`;
    return `<div class="metric" data-metric="${esc(metric)}"><h3>${esc(metric)} ${role}${direction}</h3>
<figure data-chart="interval" data-metric="${esc(metric)}">${svg}</figure>
<div class="table-wrap"><table class="stack"><thead><tr><th>treatment</th><th class="num">${esc(report.control)} ${statName(first)}</th><th class="num">${statName(first)}</th><th class="num">effect</th><th class="num">CI</th><th class="num">p</th><th class="num">adj. p</th><th>result</th></tr></thead>
<tbody>${rows.map((r) => metricRow(r.variant, r.metric, report.control, statName(first))).join("")}</tbody></table></div>
<p class="muted small">${ciNote(first)}</p></div>`;
  });
  return `<section class="card" id="metrics"><h2>Effects and confidence intervals</h2>${sections.join("")}</section>`;
}

/** What the arms' columns hold: the mean, or a quantile metric's quantile ("p90"). */
function statName(m: DashboardMetric | undefined): string {
  return m?.quantile === undefined ? "mean" : `p${Number((m.quantile.probability * 100).toPrecision(12))}`;
}

function metricRow(variant: string, m: DashboardMetric, control: string, stat: string): string {
  const missing = m.verdict === "insufficient-data";
  return `<tr data-variant="${esc(variant)}"><td>${esc(variant)}</td><td class="num" data-label="${esc(control)} ${stat}">${mean(m.controlMean, m.controlUnits)}</td><td class="num" data-label="${stat}">${mean(m.treatmentMean, m.treatmentUnits)}</td>
<td class="num" data-label="effect">${missing ? "–" : effect(m.estimate, m.scale)}</td><td class="num" data-label="CI">${missing ? "–" : `[${effect(m.ci[0], m.scale)}, ${effect(m.ci[1], m.scale)}]`}</td>
<td class="num" data-label="p">${missing ? "–" : pValue(m.pValue)}</td><td class="num" data-label="adj. p">${missing ? "–" : pValue(m.adjustedPValue)}</td><td data-label="result">${verdictBadge(m)}</td></tr>`;
}

function verdictBadge(m: DashboardMetric): string {
  if (m.verdict === "insufficient-data")
    return `<span class="badge b-none">insufficient data</span> <span class="muted small">${esc(m.warning ?? "")}</span>`;
  const guardrail = m.role === "guardrail";
  const labels: Record<string, [string, string]> = {
    win: ["b-ok", "win"],
    loss: ["b-bad", "loss"],
    breach: ["b-bad", "guardrail breached"],
    ok: ["b-ok", guardrail ? "guardrail ok" : "ok"],
    inconclusive: ["b-none", guardrail ? "not yet shown within margin" : "inconclusive"],
    higher: ["b-info", "higher"],
    lower: ["b-info", "lower"],
  };
  const [tone, label] = labels[m.verdict] ?? ["b-none", m.verdict];
  return `<span class="badge ${tone}" data-verdict="${esc(m.verdict)}">${esc(label)}</span>`;
}

function ciNote(m: DashboardMetric | undefined): string {
  if (m?.quantile !== undefined) {
    const q = m.quantile;
    const over = q.ignoreZeros
      ? "the nonzero per-unit values (units without one left out)"
      : "the per-unit values";
    const note = `${statName(m)} of ${over}: each arm's quantile, the effect their difference, its SE from each arm's ${q.confidence > 0 ? percent(q.confidence) : ""} order-statistic interval. `;
    return m.verdict === "insufficient-data" ? note : `${note}${plainCiNote(m)}`;
  }
  return plainCiNote(m);
}

function plainCiNote(m: DashboardMetric | undefined): string {
  if (m === undefined || m.verdict === "insufficient-data") return "";
  const level = percent(m.ciLevel);
  if (m.role === "guardrail")
    return `${level} interval (two one-sided bounds), adjusted like the guardrail's p-value.`;
  return `${level} interval${m.ciAdjusted ? ", adjusted" : ", unadjusted; the adj. p beside it carries the correction"}. A bar that does not cross the dashed zero line is an effect the data can tell apart from none.`;
}

function trendSection(view: ExperimentView, charts: ChartUrl): string {
  const metric = view.trendMetric;
  if (metric === undefined || view.trend.length === 0) {
    return `<section class="card" id="trend"><h2>Effect over time</h2><p class="muted">Not enough data on any day yet to estimate an effect.</p></section>`;
  }
  const days = new Set(view.trend.map((p) => p.day)).size;
  const svg = picture(
    charts("trend"),
    `cumulative effect on ${metric} over ${days} days, per treatment, with its interval band`,
  );
  return `<section class="card" id="trend"><h2>Cumulative effect on ${esc(metric)} over time</h2>
<figure data-chart="trend" data-days="${view.daysRunning}">${svg}</figure>
<p class="muted small">Each point is the report as it stood at the end of that UTC day; the band is its interval. A band that narrows and settles is a result that holds.</p></section>`;
}

function exposuresSection(view: ExperimentView, charts: ChartUrl): string {
  const svg = picture(charts("exposures"), `units exposed per day per variant over ${view.daysRunning} days`);
  return `<section class="card" id="exposures"><h2>Units exposed per day</h2><figure data-chart="exposures">${svg}</figure></section>`;
}

function armsSection(view: ExperimentView): string {
  const weights = new Map(view.definition.variants.map((v) => [v.id, v.weight]));
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const units = new Map(view.summary.variants.map((v) => [v.variantId, v]));
  const rows = view.variants
    .map((id) => {
      const w = weights.get(id);
      const s = units.get(id);
      return `<tr data-arm="${esc(id)}"><td>${esc(id)}${id === view.report.control ? ' <span class="badge b-none">control</span>' : ""}${w === undefined ? ' <span class="badge b-warn">not in the manifest</span>' : ""}</td><td class="num" data-label="weight">${w === undefined || total === 0 ? "–" : percent(w / total)}</td><td class="num" data-label="exposed units">${count(s?.exposedUnits ?? 0)}</td><td class="num wide-only">${count(s?.exposures ?? 0)}</td></tr>`;
    })
    .join("");
  return `<section class="card" id="arms"><h2>Variants</h2><div class="table-wrap"><table><thead><tr><th>variant</th><th class="num">weight</th><th class="num">units</th><th class="num wide-only">exposures</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function planSection(view: ExperimentView): string {
  const plan = (view.definition as { readonly analysis?: unknown }).analysis;
  const d = view.definition;
  const basics: Array<[string, string]> = [
    ["enabled", String(d.enabled)],
    ["traffic", percent(d.traffic)],
    ["unit", typeof d.unit === "string" ? d.unit : JSON.stringify(d.unit)],
  ];
  if (plan === undefined || plan === null || typeof plan !== "object") {
    return `<section class="card" id="plan"><h2>Analysis plan</h2><dl class="plan">${dl(basics)}</dl><p class="small">No analysis plan declared: every recorded metric is compared with the control (Holm-corrected, fixed horizon) and no decision is made. Declare <code>[plugins.experiments.analysis]</code> to get one.</p></section>`;
  }
  const entries: Array<[string, string]> = Object.entries(plan as Record<string, unknown>).map(([k, v]) => [
    k,
    describe(v),
  ]);
  return `<section class="card" id="plan"><h2>Analysis plan, as declared</h2><dl class="plan">${dl([...basics, ...entries])}</dl></section>`;
}

function describe(value: unknown): string {
  if (Array.isArray(value) && value.length === 0) return "none";
  if (Array.isArray(value)) return value.map(describe).join(", ");
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.metric === "string") {
      const rest = Object.entries(o).filter(([k]) => k !== "metric");
      return rest.length === 0
        ? o.metric
        : `${o.metric} (${rest.map(([k, v]) => `${k} ${describe(v)}`).join(", ")})`;
    }
    return (
      Object.entries(o)
        .map(([k, v]) => `${k} ${describe(v)}`)
        .join(", ") || "{}"
    );
  }
  return String(value);
}

function dl(entries: ReadonlyArray<[string, string]>): string {
  return entries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
}

function warningsSection(view: ExperimentView): string {
  const warnings = [...view.report.warnings];
  // `evaluate` already names the outcomes it left out; the exploratory report does not.
  const named = warnings.some((w) => w.includes("no earlier exposure"));
  if (view.summary.unattributedOutcomes > 0 && !named)
    warnings.push(
      `${count(view.summary.unattributedOutcomes)} outcomes had no earlier exposure and are not counted`,
    );
  if (warnings.length === 0) return "";
  return `<section class="card" id="warnings"><h2>Data-quality notes</h2><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></section>`;
}
