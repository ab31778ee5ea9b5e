import type { AppendResult, EventPack, StoredEvent } from "@assay/core";

/** One `append` call: its events resolve together, with exact counts. */
export interface Entry {
  remaining: number;
  inserted: number;
  duplicates: number;
  failure: unknown;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** The events `[from, to)` of a group that belong to one `append` call. */
export interface Span {
  readonly entry: Entry;
  readonly from: number;
  readonly to: number;
}

/**
 * Events committed together. `record` callers share one promise per group (no allocation per event);
 * `append` callers own spans, so each gets its own counts. A group of records is packed as it fills when the
 * store can pack (`EventStore.createPack`): it holds the pack, not the events.
 *
 * A group is settled once (committed, failed, or past its deadline) and may still be running after that: a
 * commit that hangs past the deadline keeps its slot until the store answers, but its callers already have
 * their BackendError.
 */
export class Group {
  events: StoredEvent[] = [];
  readonly spans: Span[] = [];
  /** Events in the group (in `events`, or in `pack`). */
  size = 0;
  /** The sequence number just past this group's last event (events are numbered in acceptance order). */
  endSeq = 0;
  /** A flush or close waits for it: it goes as soon as a slot is free, full or not. */
  due = false;
  /** Its callers have their answer. */
  settled = false;
  /** The commit started and has not returned yet. */
  running = false;
  /** Failed commit attempts so far, and the last one's error. */
  attempts = 0;
  lastError: unknown;
  /** When the first event was accepted: the deadline counts from here. */
  readonly acceptedAt = Date.now();
  private shared: Promise<void> | undefined;
  private resolveShared: (() => void) | undefined;
  private rejectShared: ((error: unknown) => void) | undefined;

  constructor(readonly pack: EventPack | undefined) {}

  /** The promise every `record` of this group gets, made on first use. */
  promise(): Promise<void> {
    this.shared ??= new Promise<void>((resolve, reject) => {
      this.resolveShared = resolve;
      this.rejectShared = reject;
    });
    return this.shared;
  }

  /** Answers the records of the group (the appends' spans are answered by the caller). */
  settleRecords(failure: unknown): void {
    if (failure === undefined) this.resolveShared?.();
    else this.rejectShared?.(failure);
  }
}

/** Fails every append span of a group (each append rejects once all its events are answered). */
export function failSpans(group: Group, failure: unknown): void {
  for (const span of group.spans) {
    const entry = span.entry;
    entry.failure ??= failure;
    entry.remaining -= span.to - span.from;
    if (entry.remaining === 0) entry.reject(entry.failure);
  }
}

/**
 * Shares a commit's outcome out to the appends of the group. New rows go to first occurrences in arrival
 * order (records included), so an append's counts are exact unless its commit mixed new and repeated ids
 * that were not its own.
 */
export function shareOut(
  group: Group,
  first: readonly boolean[],
  uniqueCount: number,
  result: AppendResult,
): void {
  const allNew = result.inserted === uniqueCount;
  let newLeft = result.inserted;
  let span = 0;
  for (let i = 0; i < first.length; i++) {
    while (span < group.spans.length && group.spans[span]!.to <= i) span++;
    const owned = span < group.spans.length && group.spans[span]!.from <= i;
    const isNew = first[i]! && (allNew || newLeft > 0);
    if (isNew && !allNew) newLeft--;
    if (!owned) continue;
    const entry = group.spans[span]!.entry;
    if (isNew) entry.inserted++;
    else entry.duplicates++;
    if (--entry.remaining === 0) {
      if (entry.failure !== undefined) entry.reject(entry.failure);
      else entry.resolve({ inserted: entry.inserted, duplicates: entry.duplicates });
    }
  }
}
