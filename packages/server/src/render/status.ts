import type { ExperimentStatus } from "../model/experiment-view.js";

/** running in green, disabled in grey, no data in amber. */
export function statusBadge(status: ExperimentStatus): string {
  const tone = status === "running" ? "b-ok" : status === "disabled" ? "b-none" : "b-warn";
  return `<span class="badge ${tone}" data-status="${status}">${status}</span>`;
}
