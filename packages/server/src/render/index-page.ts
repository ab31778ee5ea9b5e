import type { ExperimentView } from "../model/experiment-view.js";
import type { SimulationNote } from "../model/simulation-note.js";
import { decisionLabel, decisionTone } from "./decision.js";
import { count, esc } from "./format.js";
import { page } from "./layout.js";
import { simulatedBadge } from "./simulation.js";
import { statusBadge } from "./status.js";

/** The list of every experiment in the manifest with its status, size, age, decision and SRM badge. */
export function indexPage(
  views: readonly ExperimentView[],
  storeName: string,
  base = "",
  notes: ReadonlyMap<string, SimulationNote> = new Map(),
): string {
  const rows = views
    .map((v) => {
      const href = `${base}/experiments/${encodeURIComponent(v.definition.id)}`;
      const srm =
        v.unitsExposed === 0
          ? '<span class="badge b-none">–</span>'
          : v.report.srm.mismatch
            ? '<span class="badge b-bad" data-srm="mismatch">mismatch</span>'
            : '<span class="badge b-ok" data-srm="ok">ok</span>';
      return `<tr data-experiment="${esc(v.definition.id)}"><td><a href="${href}">${esc(v.definition.id)}</a>${simulatedBadge(notes.get(v.definition.id))}</td><td data-label="status">${statusBadge(v.status)}</td>
<td class="num" data-label="units">${count(v.unitsExposed)}</td><td class="num" data-label="days">${v.daysRunning}</td>
<td data-label="decision"><span class="badge ${decisionTone(v.report.decision)}" data-decision="${esc(v.report.decision)}">${esc(decisionLabel(v.report.decision))}</span></td><td data-label="split">${srm}</td></tr>`;
    })
    .join("");
  const body = `<h1>Experiments</h1>
<section class="card"><div class="table-wrap"><table class="stack one"><thead><tr><th>experiment</th><th>status</th><th class="num">units</th><th class="num">days</th><th>decision</th><th>split</th></tr></thead>
<tbody>${rows}</tbody></table></div>${views.length === 0 ? '<p class="muted">The manifest declares no experiment.</p>' : ""}</section>`;
  return page({
    base,
    title: "Experiments",
    body,
    footer: `events from the ${esc(storeName)} store · JSON: <a href="${esc(base)}/api/experiments">${esc(base)}/api/experiments</a>`,
  });
}
