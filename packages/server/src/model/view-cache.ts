import { createHash } from "node:crypto";
import type { ExperimentDefinition } from "@assay/core";
import type { DashboardSource } from "../source.js";
import { type ExperimentView, experimentView } from "./experiment-view.js";

/** A view and the version of its data: charts are asked for by version, so page and charts agree. */
export interface VersionedView {
  readonly view: ExperimentView;
  readonly version: string;
}

/**
 * Keeps each experiment's view for a few seconds: a page and the chart images it links to are asked for
 * within that window, and should be drawn from one summary rather than summarize the store once each.
 */
export class ViewCache {
  readonly #entries = new Map<string, { at: number; pending: Promise<VersionedView> }>();

  constructor(private readonly ttlMs = 5_000) {}

  get(source: DashboardSource, definition: ExperimentDefinition): Promise<VersionedView> {
    const now = Date.now();
    const hit = this.#entries.get(definition.id);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.pending;
    const pending = experimentView(source, definition).then((view) => ({ view, version: versionOf(view) }));
    pending.catch(() => this.#entries.delete(definition.id));
    this.#entries.set(definition.id, { at: now, pending });
    return pending;
  }
}

function versionOf(view: ExperimentView): string {
  return createHash("sha256")
    .update(JSON.stringify([view.report, view.trend, view.exposures, view.variants]))
    .digest("base64url")
    .slice(0, 16);
}
