import type { ExperimentDefinition } from "@assay/core";
import type { BreakdownReport } from "@assay/stats";
import { count, effect, esc, mean, pValue } from "./format.js";

/** What the page was asked to cut by (`?by=country`), and the report's breakdown when it is declared. */
export interface BreakdownRequest {
  readonly dimension: string;
  /** Absent when the experiment does not declare the dimension (or has no plan to evaluate slices with). */
  readonly report?: BreakdownReport;
}

/**
 * The experiment's dimensions as `?by=` links, and, when one is asked for, its slices: units, the slice's own
 * SRM badge, the plan's metrics with the p-values adjusted across the breakdown, and the caveat. Nothing for
 * an experiment that declares no dimension.
 */
export function breakdownSection(
  definition: ExperimentDefinition,
  base: string,
  request: BreakdownRequest | undefined,
): string {
  const declared = definition.dimensions ?? [];
  if (declared.length === 0 && request === undefined) return "";
  const page = `${esc(base)}/experiments/${encodeURIComponent(definition.id)}`;
  const links = declared
    .map((d) =>
      d === request?.dimension
        ? `<strong data-by="${esc(d)}">${esc(d)}</strong>`
        : `<a href="${page}?by=${encodeURIComponent(d)}#breakdown" data-by="${esc(d)}">${esc(d)}</a>`,
    )
    .join(" · ");
  const head = `<section class="card" id="breakdown"><h2>Breakdown</h2>
<p class="small">Cut by: ${links === "" ? "no dimension declared" : links}${request === undefined ? "" : ` · <a href="${page}">none</a>`}</p>`;
  if (request === undefined) return `${head}</section>`;
  const b = request.report;
  if (b === undefined) {
    const why = declared.includes(request.dimension)
      ? "a breakdown evaluates each slice with the analysis plan, and this experiment has none"
      : `${esc(definition.id)} does not declare the dimension <code>${esc(request.dimension)}</code> (only declared dimensions are recorded with exposures; add it to <code>dimensions = [...]</code>)`;
    return `${head}<p data-breakdown="unavailable">No breakdown: ${why}.</p></section>`;
  }
  const slices = b.slices.map((slice) => {
    const name = slice.value === null ? `${b.dimension} not recorded` : `${b.dimension} = ${slice.value}`;
    const badge = slice.srm.mismatch
      ? `<span class="badge b-bad" data-srm="mismatch">SRM: split mismatch</span>`
      : `<span class="badge b-ok" data-srm="ok">split ok</span>`;
    const arms = slice.arms.map((a) => `${esc(a.variant)} ${count(a.units)}`).join(", ");
    const rows = slice.treatments.flatMap((t) =>
      t.metrics.map((m) => {
        const missing = m.verdict === "insufficient-data";
        return `<tr data-variant="${esc(t.variant)}" data-metric="${esc(m.metric)}"><td>${esc(m.metric)}</td><td>${esc(t.variant)}</td><td class="num" data-label="control mean">${mean(m.controlMean, m.controlUnits)}</td><td class="num" data-label="mean">${mean(m.treatmentMean, m.treatmentUnits)}</td><td class="num" data-label="effect">${missing ? "–" : effect(m.estimate, m.scale)}</td><td class="num" data-label="CI">${missing ? "–" : `[${effect(m.ci[0], m.scale)}, ${effect(m.ci[1], m.scale)}]`}</td><td class="num" data-label="p">${missing ? "–" : pValue(m.pValue)}</td><td class="num" data-label="adj. p">${missing ? "–" : pValue(m.breakdownAdjustedPValue)}</td><td data-label="result">${missing ? `<span class="badge b-none">insufficient data</span>` : m.significant ? `<span class="badge b-info" title="differs after the adjustment across the breakdown">differs</span>` : `<span class="badge b-none" title="no difference shown after the adjustment">n.s.</span>`}</td></tr>`;
      }),
    );
    return `<div class="slice" data-slice="${esc(slice.value ?? "")}" data-srm="${slice.srm.mismatch ? "mismatch" : "ok"}"><h3>${esc(name)} ${badge}</h3>
<p class="muted small">${count(slice.units)} units (${arms}); χ² p = ${pValue(slice.srm.pValue)}${slice.srm.mismatch ? ": this slice's split does not match the weights, do not read its results" : ""}</p>
<div class="table-wrap"><table class="stack"><thead><tr><th>metric</th><th>treatment</th><th class="num">control mean</th><th class="num">mean</th><th class="num">effect</th><th class="num">CI</th><th class="num">p</th><th class="num">adj. p</th><th>result</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></div>`;
  });
  return `${head}<p class="small" data-caveat="true"><strong>Exploratory, not part of the decision.</strong> ${esc(b.caveat)}</p>${slices.join("")}</section>`;
}
