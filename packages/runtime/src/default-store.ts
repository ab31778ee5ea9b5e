import { join } from "node:path";
import { type EventStore, JsonLinesEventStore } from "@assay/core";

/**
 * The store used when the manifest names none: JSON Lines at `.assay/events.jsonl` beside the manifest, so a
 * new app records durably with no set-up.
 */
export function defaultEventStore(manifestDir: string): EventStore {
  return new JsonLinesEventStore(join(manifestDir, ".assay", "events.jsonl"));
}
