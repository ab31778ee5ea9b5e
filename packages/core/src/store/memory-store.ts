import { InvalidContextError } from "../errors/experiment-error.js";
import type { EventScanPage, EventScanQuery } from "./event-scan.js";
import type {
  AppendResult,
  EventStore,
  ExperimentSummary,
  StoredEvent,
  SummaryQuery,
} from "./event-store.js";
import { MemoryStickyStore, type StickyAssignment, type StickyQuery } from "./sticky-store.js";
import { summarizeEvents } from "./summarize.js";

/** Keeps events in memory, deduplicated by eventId. For tests and short-lived scripts: nothing survives the process. */
export class MemoryEventStore implements EventStore {
  readonly name = "memory";
  private readonly events = new Map<string, StoredEvent>();

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    let inserted = 0;
    for (const event of batch) {
      if (this.events.has(event.eventId)) continue;
      this.events.set(event.eventId, event);
      inserted++;
    }
    return { inserted, duplicates: batch.length - inserted };
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    return summarizeEvents(this.events.values(), query);
  }

  /** Events in arrival order; the cursor is the position after the page's last event (nothing is ever removed). */
  async scanEvents(query: EventScanQuery): Promise<EventScanPage> {
    const start = query.after === undefined ? 0 : Number(query.after);
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new InvalidContextError(
        `scanEvents: cursor ${JSON.stringify(query.after)} is not one of this store's`,
      );
    }
    const since = query.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const events: StoredEvent[] = [];
    let position = 0;
    let last = start;
    for (const event of this.events.values()) {
      position++;
      if (position <= start) continue;
      if (events.length >= query.limit) break;
      last = position;
      if (event.experiment === query.experiment && event.timestamp.getTime() >= since) events.push(event);
    }
    return { events, cursor: last === 0 ? query.after : String(last) };
  }

  private readonly sticky = new MemoryStickyStore();

  /** Sticky assignments, kept in memory like the events. */
  loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]> {
    return this.sticky.loadStickyAssignments(query);
  }

  saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void> {
    return this.sticky.saveStickyAssignments(rows);
  }

  /** Every stored event in arrival order; a copy. */
  all(): StoredEvent[] {
    return [...this.events.values()];
  }
}
