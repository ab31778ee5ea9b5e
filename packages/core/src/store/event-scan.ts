import type { StoredEvent } from "./event-store.js";

/** One page of an experiment's raw events in the store's order (see `EventStore.scanEvents`). */
export interface EventScanQuery {
  readonly experiment: string;
  /** Only events whose timestamp is at or after this. */
  readonly since?: Date;
  /** The `cursor` of an earlier page: the page starts after it. Absent: from the first event. */
  readonly after?: string;
  /** Most events in the page (at least 1). */
  readonly limit: number;
}

export interface EventScanPage {
  /** At most `limit` events, in the store's order: a later page never holds an event an earlier one had. */
  readonly events: readonly StoredEvent[];
  /**
   * Where the next page starts (pass it as `after`), opaque to callers. Given even when the page is short (the
   * scan caught up), so a later call picks up the events stored since; undefined only when nothing was ever
   * read (no events, no `after`).
   */
  readonly cursor: string | undefined;
}
