import { join } from "node:path";
import type { EventStore } from "@assay/core";
import { SqliteEventStore } from "@assay/store-sqlite";

/**
 * The store used when the manifest names none: SQLite at `.assay/events.db` beside the manifest, so a new
 * app records durably with no set-up. (JSON Lines stays available: `source = "@assay/runtime/store-jsonl"`.)
 */
export function defaultEventStore(manifestDir: string): EventStore {
  return new SqliteEventStore({ path: join(manifestDir, ".assay", "events.db") });
}
