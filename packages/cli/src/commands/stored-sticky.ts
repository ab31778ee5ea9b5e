import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "@assay/config";
import {
  DEFAULT_ENVIRONMENT,
  type EventStore,
  hasStickyAssignments,
  type StickyAssignment,
} from "@assay/core";
import { createAssay, loadPlugins } from "@assay/runtime";

/**
 * The first assignments the manifest's event store keeps for `experiment` (its current sticky version), or
 * none when the experiment is not sticky. Opens the store through the runtime, as the app does, reads, and
 * closes it: nothing is written. A manifest without a store plugin uses the default SQLite file beside it;
 * when that file does not exist there is nothing stored, and it is not created. A store that cannot be
 * reached throws (the command exits 3).
 */
export async function storedStickyAssignments(
  manifest: Manifest,
  experiment: string,
): Promise<StickyAssignment[]> {
  const entry = manifest.plugins.flatMap((p) => p.experiments).find((e) => e.id === experiment);
  if (entry?.sticky === undefined) return [];
  const hasStorePlugin = (await loadPlugins(manifest)).some((p) => p.roles.includes("events"));
  if (!hasStorePlugin && !existsSync(join(manifest.dir, ".assay", "events.db"))) return [];
  // One attempt: a person at a terminal wants "the store is down" (exit 3) now, not after the runtime's
  // 30 s of startup retries meant for an app that starts before its database.
  const assay = await createAssay({
    manifest,
    handleSignals: false,
    sticky: { refreshMs: 0 },
    storeStartupTimeoutMs: 0,
  });
  try {
    const store = unwrapped(assay.store);
    if (!hasStickyAssignments(store)) return [];
    return await store.loadStickyAssignments({
      experiments: [{ experiment, version: entry.sticky.version }],
      environment: manifest.environment ?? DEFAULT_ENVIRONMENT,
    });
  } finally {
    await assay.close();
  }
}

/** The store under the runtime's batching pipeline, which is what keeps sticky assignments. */
function unwrapped(store: EventStore): unknown {
  return (store as EventStore & { readonly inner?: EventStore }).inner ?? store;
}
