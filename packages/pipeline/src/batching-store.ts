import {
  type AppendResult,
  BackendError,
  type EventPack,
  type EventStore,
  type ExperimentSummary,
  type StoredEvent,
  type SummaryQuery,
} from "@assay/core";
import { validateStoredEvent } from "./validate.js";

export interface RetryOptions {
  /** First wait after a failed commit. Default 25 ms. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts (the wait doubles, with jitter, up to this). Default 1000 ms. */
  readonly maxDelayMs?: number;
  /**
   * How long a record may wait for the store, from the moment it was accepted: past it, its promise rejects
   * with a BackendError instead of being retried again. Default 30,000 ms.
   */
  readonly deadlineMs?: number;
}

export interface BatchingOptions {
  /** Most events in one commit. Default 2000. */
  readonly maxBatch?: number;
  /**
   * How long the first record of a group waits for others before the group is committed (group commit).
   * Default 2 ms. A full group (`maxBatch`) is committed at once.
   */
  readonly maxDelayMs?: number;
  /**
   * Most events accepted and not yet committed. When full, `append` waits for room (backpressure): nothing
   * is dropped. Default 100,000.
   */
  readonly maxQueue?: number;
  /**
   * Commits in flight at once. Default: the store's `commitsInFlight`, else 2. The store writes one group while
   * the next ones fill, so a writer thread or a database connection is not left idle while the app's thread is
   * busy. How many help depends on the store: PostgreSQL does best with 2 (1M-event ingest, medians of
   * interleaved runs: 65k-73k events/s with 1, 96k-113k with 2, 89k-97k with 4, its transactions then contend
   * for the last page of the event-id index); SQLite with 4, since its writer thread commits the groups waiting
   * together (medians 266k/310k/329k with 2, 278k/359k/390k with 4, three benchmark runs). Only full groups (or
   * groups a flush waits for) take the extra slots, so this never makes commits smaller.
   */
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
  /** Called for each failed commit attempt (logging); the records are retried until their deadline. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** One `append` call: its events resolve together, with exact counts. */
interface Entry {
  remaining: number;
  inserted: number;
  duplicates: number;
  failure: unknown;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** The events `[from, to)` of a group that belong to one `append` call. */
interface Span {
  readonly entry: Entry;
  readonly from: number;
  readonly to: number;
}

/**
 * Events committed together. `record` callers share one promise per group (no allocation per event);
 * `append` callers own spans, so each gets its own counts. A group of records is packed as it fills when the
 * store can pack (`EventStore.createPack`): it holds the pack, not the events.
 */
class Group {
  readonly events: StoredEvent[] = [];
  readonly spans: Span[] = [];
  /** Events in the group (in `events`, or in `pack`). */
  size = 0;
  /** The sequence number just past this group's last event (events are numbered in acceptance order). */
  endSeq = 0;
  /** A flush or close waits for it: it goes as soon as a slot is free, full or not. */
  due = false;
  done = false;
  /** When the first event was accepted: the retry deadline counts from here. */
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

  settle(failure: unknown): void {
    if (failure === undefined) this.resolveShared?.();
    else this.rejectShared?.(failure);
  }
}

interface Waiter {
  readonly batch: readonly StoredEvent[];
  readonly entry: Entry;
}

/**
 * An EventStore decorator that turns many small appends into few large, durable commits.
 *
 * - Group commit: events are queued and written by size (`maxBatch`) and by interval (`maxDelayMs`), one
 *   commit at a time; an `append` or `record` resolves once its events are committed, so a caller that
 *   awaits knows its events are durable, and a caller that does not await pays only the enqueue.
 * - Bounded: at most `maxQueue` events wait; beyond that, callers wait for room (backpressure).
 * - Idempotent end to end: a commit is retried with the same event ids, so a retry never counts twice.
 * - Resilient: a failing store is retried with exponential backoff; events wait (within the bound) while it
 *   is down, and an event the store has not taken within `retry.deadlineMs` rejects with a BackendError.
 * - `flush()` resolves once everything accepted before it is settled; `close()` flushes, then closes the
 *   inner store; appends after `close()` reject.
 *
 * `inserted`/`duplicates` of an append are exact when its events were the only ones of their commits or when
 * a commit was all new or all repeats; otherwise the commit's totals are shared out in arrival order.
 */
export class BatchingEventStore implements EventStore {
  readonly name: string;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly concurrency: number;
  private readonly retry: Required<RetryOptions>;
  private readonly onRetry: BatchingOptions["onRetry"];
  /** The store packs records as they are accepted (see EventStore.createPack). */
  private readonly packs: boolean;

  /**
   * Groups in acceptance order from `head` on (the oldest not yet settled); `next` is the first not started.
   * The last one takes new events until it is full or started.
   */
  private groups: Group[] = [];
  private head = 0;
  private next = 0;
  /** The group new events join; undefined once it is full or its commit has started. */
  private open: Group | undefined;
  private readonly waiters: Waiter[] = [];
  /** Events accepted (queued or committing), counting the commits in flight. */
  private queued = 0;
  private inFlight = 0;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Sequence numbers: every event gets one when it is handed in (`requested`) and again, in the same order,
   * when it enters a group (`enqueued`); `settled` is where the prefix of settled events ends.
   */
  private requested = 0;
  private enqueued = 0;
  private settled = 0;
  private readonly settleWaiters: Array<{ target: number; resolve(): void }> = [];
  private closing: Promise<void> | undefined;

  constructor(
    readonly inner: EventStore,
    options: BatchingOptions = {},
  ) {
    this.name = inner.name;
    this.maxBatch = positive(options.maxBatch ?? 2000, "maxBatch");
    this.maxDelayMs = nonNegative(options.maxDelayMs ?? 2, "maxDelayMs");
    this.maxQueue = positive(options.maxQueue ?? 100_000, "maxQueue");
    this.concurrency = positive(options.concurrency ?? inner.commitsInFlight ?? 2, "concurrency");
    this.retry = {
      initialDelayMs: nonNegative(options.retry?.initialDelayMs ?? 25, "retry.initialDelayMs"),
      maxDelayMs: nonNegative(options.retry?.maxDelayMs ?? 1000, "retry.maxDelayMs"),
      deadlineMs: nonNegative(options.retry?.deadlineMs ?? 30_000, "retry.deadlineMs"),
    };
    this.onRetry = options.onRetry;
    this.packs = inner.createPack !== undefined && inner.appendPack !== undefined;
  }

  async init(): Promise<void> {
    await this.inner.init?.();
  }

  /** Queues the events; resolves once all of them are committed. Rejects at once for a malformed event. */
  append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    try {
      for (let i = 0; i < batch.length; i++) validateStoredEvent(batch[i]);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    return new Promise<AppendResult>((resolve, reject) => {
      const entry: Entry = {
        remaining: batch.length,
        inserted: 0,
        duplicates: 0,
        failure: undefined,
        resolve,
        reject,
      };
      this.requested += batch.length;
      // FIFO: once someone waits for room, later appends wait behind it.
      if (this.waiters.length > 0 || !this.hasRoom(batch.length)) this.waiters.push({ batch, entry });
      else this.enqueue(batch, entry);
    });
  }

  /**
   * Queues one event; resolves once it is committed. The path of `recordExposure`/`recordOutcome`: every event
   * of a group gets the same promise, so a record costs no allocation here; without per-call counts.
   */
  record(event: StoredEvent): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    try {
      validateStoredEvent(event);
    } catch (error) {
      return Promise.reject(error);
    }
    // Full queue, or others already waiting for room: wait in line like an append.
    if (this.waiters.length > 0 || !this.hasRoom(1)) return this.append([event]).then(ignore);
    this.requested++;
    this.queued++;
    const group = this.openGroup(this.packs);
    if (group.pack !== undefined) group.pack.add(event);
    else group.events.push(event);
    group.size++;
    group.endSeq = ++this.enqueued;
    this.scheduleFor(group);
    return group.promise();
  }

  /** Flushes (so the summary sees every event accepted so far), then asks the inner store. */
  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.flush();
    return this.inner.summarize(query);
  }

  /** Resolves once every event accepted before the call is committed or has failed. */
  async flush(): Promise<void> {
    const target = this.requested;
    if (this.settled >= target) return;
    this.commitAllNow();
    await new Promise<void>((resolve) => this.settleWaiters.push({ target, resolve }));
    await this.inner.flush?.();
  }

  /** Stops accepting events, drains the queue, then closes the inner store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const target = this.requested;
      if (this.settled < target) {
        this.commitAllNow();
        await new Promise<void>((resolve) => this.settleWaiters.push({ target, resolve }));
      }
      await this.inner.close?.();
    })();
    return this.closing;
  }

  /** Events accepted and not yet settled (queued, committing, or waiting for room). */
  get pending(): number {
    return this.requested - this.settled;
  }

  private closedError(): BackendError {
    return new BackendError(`the ${this.name} event pipeline is closed; the events were not recorded`);
  }

  private hasRoom(size: number): boolean {
    return this.queued === 0 || this.queued + size <= this.maxQueue;
  }

  /**
   * The group taking events, a new one when the last is full or committing, or of the other sort: records
   * go into packed groups when the store packs, appends (whose spans need the events) never do.
   */
  private openGroup(packed: boolean): Group {
    let group = this.open;
    if (group === undefined || group.size >= this.maxBatch || (group.pack !== undefined) !== packed) {
      group = new Group(packed ? this.inner.createPack!(this.maxBatch) : undefined);
      this.groups.push(group);
      this.open = group;
    }
    return group;
  }

  /** Spreads an append's events over the open group and new ones, a span per group. */
  private enqueue(batch: readonly StoredEvent[], entry: Entry): void {
    this.queued += batch.length;
    let i = 0;
    while (i < batch.length) {
      const group = this.openGroup(false);
      const from = group.size;
      const take = Math.min(batch.length - i, this.maxBatch - from);
      for (let j = 0; j < take; j++) group.events.push(batch[i + j]!);
      group.size += take;
      group.spans.push({ entry, from, to: from + take });
      this.enqueued += take;
      group.endSeq = this.enqueued;
      i += take;
      this.scheduleFor(group);
    }
  }

  private scheduleFor(group: Group): void {
    if (group.size >= this.maxBatch) this.schedulePump();
    else if (this.inFlight === 0) this.armTimer(group);
    // else: the commit in flight starts this group when it ends
  }

  /** Makes every group accepted so far due (flush, close), and starts what the free slots allow. */
  private commitAllNow(): void {
    for (let i = this.next; i < this.groups.length; i++) this.groups[i]!.due = true;
    this.schedulePump();
  }

  /**
   * Starts due groups in the free slots. A macrotask, not a microtask: a producer that awaits its appends in a
   * tight loop still lets timers and I/O run between commits.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump(false);
    });
  }

  /** Commits the first group not started once it has waited maxDelayMs for company. */
  private armTimer(group: Group): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, group.acceptedAt + this.maxDelayMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump(false);
    }, wait);
  }

  /**
   * Starts groups while slots are free, in order. A group is due when it is full, when a flush waits for it,
   * or, with no commit in flight, when it has waited maxDelayMs or a commit has just ended (records that
   * arrived during a commit go in the next one at once). So the extra slots only ever take full groups.
   */
  private pump(afterCommit: boolean): void {
    while (this.inFlight < this.concurrency && this.next < this.groups.length) {
      const group = this.groups[this.next]!;
      const due =
        group.size >= this.maxBatch ||
        group.due ||
        (this.inFlight === 0 && (afterCommit || Date.now() - group.acceptedAt >= this.maxDelayMs));
      if (!due) {
        if (this.inFlight === 0) this.armTimer(group);
        return;
      }
      this.next++;
      if (group === this.open) this.open = undefined; // later events start the next group
      this.inFlight++;
      void this.commitGroup(group).then(() => this.committed(group));
    }
  }

  private committed(group: Group): void {
    this.inFlight--;
    group.done = true;
    // The settled prefix ends after the last of the leading groups that are all done.
    while (this.head < this.next && this.groups[this.head]!.done) {
      this.settled = this.groups[this.head]!.endSeq;
      this.head++;
    }
    this.compact();
    this.notifySettled();
    this.admitWaiters();
    this.pump(true);
  }

  private async commitGroup(group: Group): Promise<void> {
    const events = group.events;
    // With appends in the group, repeats inside it are answered here so each append's counts are exact; a
    // group of records only goes straight to the store, which ignores repeated ids itself.
    let unique: readonly StoredEvent[] = events;
    let first: boolean[] | undefined;
    if (group.spans.length > 0) {
      const seen = new Set<string>();
      const kept: StoredEvent[] = [];
      first = new Array(events.length);
      for (let i = 0; i < events.length; i++) {
        const id = events[i]!.eventId;
        const isFirst = !seen.has(id);
        first[i] = isFirst;
        if (isFirst) {
          seen.add(id);
          kept.push(events[i]!);
        }
      }
      unique = kept;
    }
    let attempt = 0;
    let result: AppendResult | undefined;
    let failure: unknown;
    for (;;) {
      try {
        result = await (group.pack !== undefined
          ? this.inner.appendPack!(group.pack)
          : this.inner.append(unique));
        break;
      } catch (error) {
        attempt++;
        const waited = Date.now() - group.acceptedAt;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(backoff * (0.5 + Math.random() / 2));
        if (waited + delay > this.retry.deadlineMs) {
          failure = new BackendError(
            `the ${this.name} event store did not accept ${group.size} events within ${this.retry.deadlineMs} ms (${attempt} attempts): ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
          break;
        }
        this.onRetry?.(error, attempt, delay);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (first !== undefined) shareOut(group, first, unique.length, result, failure);
    group.settle(failure);
    this.queued -= group.size;
  }

  private compact(): void {
    // Drop settled groups (and the events they hold) from the front: all of them when nothing else is left,
    // else a few at a time, so a steady stream never keeps committed events reachable.
    if (this.head === this.groups.length || this.head >= 8) {
      this.groups = this.groups.slice(this.head);
      this.next -= this.head;
      this.head = 0;
    }
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.hasRoom(this.waiters[0]!.batch.length)) {
      const waiter = this.waiters.shift()!;
      this.enqueue(waiter.batch, waiter.entry);
    }
  }

  private notifySettled(): void {
    for (let i = this.settleWaiters.length - 1; i >= 0; i--) {
      const waiter = this.settleWaiters[i]!;
      if (this.settled >= waiter.target) {
        this.settleWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

/**
 * Shares a commit's outcome out to the appends of the group. New rows go to first occurrences in arrival
 * order (records included), so an append's counts are exact unless its commit mixed new and repeated ids
 * that were not its own.
 */
function shareOut(
  group: Group,
  first: readonly boolean[],
  uniqueCount: number,
  result: AppendResult | undefined,
  failure: unknown,
): void {
  const allNew = result !== undefined && result.inserted === uniqueCount;
  let newLeft = result?.inserted ?? 0;
  let span = 0;
  for (let i = 0; i < first.length; i++) {
    while (span < group.spans.length && group.spans[span]!.to <= i) span++;
    const owned = span < group.spans.length && group.spans[span]!.from <= i;
    const isNew = first[i]! && (allNew || newLeft > 0);
    if (isNew && !allNew) newLeft--;
    if (!owned) continue;
    const entry = group.spans[span]!.entry;
    if (failure !== undefined) entry.failure ??= failure;
    else if (isNew) entry.inserted++;
    else entry.duplicates++;
    if (--entry.remaining === 0) {
      if (entry.failure !== undefined) entry.reject(entry.failure);
      else entry.resolve({ inserted: entry.inserted, duplicates: entry.duplicates });
    }
  }
}

function ignore(): void {}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
