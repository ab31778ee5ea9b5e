import type { SimulationNote } from "../model/simulation-note.js";
import { count, esc } from "./format.js";

/**
 * The notice atop a page whose data `assay simulate` wrote: a reader must never take a built-in effect for
 * a finding, so it says what was simulated and which true effects the report should recover.
 */
export function simulationNotice(note: SimulationNote | undefined): string {
  if (note === undefined) return "";
  const effects =
    note.effects.length === 0
      ? "no true effect built in"
      : `true effects built in: ${note.effects.join(", ")}`;
  const srm = note.srm === undefined ? "" : `; a sample-ratio mismatch built in (${note.srm} of units lost)`;
  return `<p class="simulated" data-simulated="true" role="note"><strong>Simulated data.</strong> ${count(note.users)} visitors over ${note.days} day${note.days === 1 ? "" : "s"} to ${esc(note.end)}, written by <code>assay simulate --seed ${esc(note.seed)}</code>; ${esc(effects)}${esc(srm)}. Events recorded since are counted with them.</p>`;
}

/** The badge beside a simulated experiment in the list. */
export function simulatedBadge(note: SimulationNote | undefined): string {
  return note === undefined ? "" : ' <span class="badge b-warn" data-simulated="true">simulated</span>';
}
