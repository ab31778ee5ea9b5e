import {
  type AppendResult,
  BackendError,
  DEFAULT_TIMESTAMP_WINDOW,
  type EventScanPage,
  type EventScanQuery,
  type EventStore,
  type ExperimentSummary,
  type StoredEvent,
  type SummaryQuery,
  type TimestampWindow,
} from "@assay/core";
import { type Entry, failSpans, Group, shareOut } from "./group.js";
import { QueueFullError } from "./queue-full-error.js";
import { validateStoredEvent } from "./validate.js";

export interface RetryOptions {
  /** First wait after a failed commit. Default 25 ms. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts (the wait doubles, with jitter, up to this). Default 1000 ms. */
  readonly maxDelayMs?: number;
  /**
   * How long an accepted event may wait for the store, from the moment it was accepted, whatever holds it up:
   * waiting for a slot, failed attempts, or a commit that never returns. At the deadline its promise rejects
   * with a BackendError (a timer: a hung commit does not hold the caller). Default 30,000 ms.
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
   * Most events accepted and not yet committed. When full, an event (or an append, whole) is refused at once
   * with a QueueFullError (a BackendError) and counted in `stats.refused`; it never waits in a line. Default
   * 100,000. An append larger than this is taken only when the queue is empty.
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
  /**
   * The timestamps an event may carry around the moment it is recorded (default −10 years … +1 day,
   * DEFAULT_TIMESTAMP_WINDOW); others are refused at once (INVALID_CONTEXT, naming the field). Widen
   * `maxAgeMs` to backfill older events.
   */
  readonly timestampWindow?: TimestampWindow;
  /** Called for each failed commit attempt (logging); the records are retried until their deadline. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** What the pipeline has done with the events handed to it, since it was made. */
export interface PipelineStats {
  /** Events accepted into the queue. */
  readonly accepted: number;
  /** Accepted events the store has taken (new or repeated ids alike). */
  readonly committed: number;
  /** Accepted events whose promise rejected: the store failed past the deadline, or a commit hung past it. */
  readonly failed: number;
  /**
   * Of the failed ones, events whose commit came back successful after their deadline had rejected them: they
   * are stored. A caller that retries them with the same event ids is not counted twice (the stores ignore a
   * repeated id).
   */
  readonly committedAfterDeadline: number;
  /** Events refused at once because the queue was full (QueueFullError): never accepted, never stored. */
  readonly refused: number;
  /** Events accepted and not yet answered. */
  readonly pending: number;
}

/**
 * An EventStore decorator that turns many small appends into few large, durable commits.
 *
 * - Group commit: events are queued and written by size (`maxBatch`) and by interval (`maxDelayMs`), a few
 *   commits at a time; an `append` or `record` resolves once its events are committed, so a caller that
 *   awaits knows its events are durable, and a caller that does not await pays only the enqueue.
 * - Bounded: at most `maxQueue` events wait; beyond that, events are refused at once with a QueueFullError
 *   and counted (`stats.refused`). Admission is O(1) per event.
 * - Idempotent end to end: a commit is retried with the same event ids, so a retry never counts twice.
 * - Resilient and bounded in time: a failing store is retried with exponential backoff; an event the store
 *   has not taken within `retry.deadlineMs` rejects with a BackendError at the deadline, by a timer, even when
 *   the commit carrying it never returns.
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
  private readonly window: TimestampWindow;
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
  /** Events accepted and not yet settled (queued or committing). */
  private queued = 0;
  /** Commits running, hung ones past their deadline included (they keep their slot until the store answers). */
  private inFlight = 0;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Fires at the deadline of the oldest unsettled group. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  /**
   * The rejection every event refused at a full queue gets, made once per stretch of refusals (so a flood of
   * refused records costs no allocation each, and the runtime reports it to onError once).
   */
  private refusal: Promise<never> | undefined;
  /**
   * Sequence numbers: every accepted event gets one (`requested`, then `enqueued` as it enters a group, in
   * the same order); `settled` is where the prefix of settled events ends.
   */
  private requested = 0;
  private enqueued = 0;
  private settled = 0;
  private readonly settleWaiters: Array<{ target: number; resolve(): void }> = [];
  private closing: Promise<void> | undefined;
  private counts = { committed: 0, failed: 0, committedAfterDeadline: 0, refused: 0 };

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
    const window = options.timestampWindow ?? DEFAULT_TIMESTAMP_WINDOW;
    this.window = {
      maxAgeMs: nonNegativeOrInfinite(window.maxAgeMs, "timestampWindow.maxAgeMs"),
      maxAheadMs: nonNegativeOrInfinite(window.maxAheadMs, "timestampWindow.maxAheadMs"),
    };
    this.onRetry = options.onRetry;
    this.packs = inner.createPack !== undefined && inner.appendPack !== undefined;
    const scan = inner.scanEvents;
    if (scan !== undefined) this.scanEvents = (query) => scan.call(inner, query);
  }

  async init(): Promise<void> {
    await this.inner.init?.();
  }

  /**
   * Queues the events; resolves once all of them are committed. Rejects at once for a malformed event, and
   * with a QueueFullError when the queue has no room for the whole batch.
   */
  append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    const now = this.now();
    try {
      for (let i = 0; i < batch.length; i++) validateStoredEvent(batch[i], this.window, now);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    if (!this.hasRoom(batch.length)) return this.refuse(batch.length);
    return new Promise<AppendResult>((resolve, reject) => {
      this.requested += batch.length;
      this.enqueue(batch, {
        remaining: batch.length,
        inserted: 0,
        duplicates: 0,
        failure: undefined,
        resolve,
        reject,
      });
    });
  }

  /**
   * Queues one event; resolves once it is committed. The path of `recordExposure`/`recordOutcome`: every event
   * of a group gets the same promise, so a record costs no allocation here; without per-call counts. Refused
   * at once (QueueFullError) when the queue is full.
   */
  record(event: StoredEvent): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    try {
      validateStoredEvent(event, this.window, this.now());
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.hasRoom(1)) return this.refuse(1);
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

  /**
   * The inner store's ordered scan, when it has one (an own property then, so `store.scanEvents` says whether
   * the store can scan): what is committed, without a flush.
   */
  readonly scanEvents?: (query: EventScanQuery) => Promise<EventScanPage>;

  /** Flushes (so the summary sees every event accepted so far), then asks the inner store. */
  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.flush();
    return this.inner.summarize(query);
  }

  /**
   * Resolves once every event accepted before the call is committed or has failed: within `retry.deadlineMs`
   * whatever the store does.
   */
  async flush(): Promise<void> {
    const target = this.requested;
    if (this.settled >= target) return;
    this.commitAllNow();
    await new Promise<void>((resolve) => this.settleWaiters.push({ target, resolve }));
    await this.inner.flush?.();
  }

  /** Stops accepting events, drains the queue (within the deadline), then closes the inner store. Idempotent. */
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

  /** Events accepted and not yet settled (queued or committing). */
  get pending(): number {
    return this.requested - this.settled;
  }

  /** Counters of what happened to the events handed in (refused ones included). */
  get stats(): PipelineStats {
    return { accepted: this.requested, ...this.counts, pending: this.pending };
  }

  /**
   * The clock, read once per synchronous stretch of records rather than per record (Date.now() took about
   * 200 ns on the project VM, more than the rest of a record): stale by at most the stretch of code that is
   * running, and a timestamp the window refuses is checked again against the clock itself.
   */
  private now(): number {
    if (!this.clockRead) {
      this.clock = Date.now();
      this.clockRead = true;
      queueMicrotask(this.forgetClock);
    }
    return this.clock;
  }

  private clock = 0;
  private clockRead = false;
  private readonly forgetClock = (): void => {
    this.clockRead = false;
  };

  private closedError(): BackendError {
    return new BackendError(`the ${this.name} event pipeline is closed; the events were not recorded`);
  }

  private hasRoom(size: number): boolean {
    return this.queued === 0 || this.queued + size <= this.maxQueue;
  }

  private refuse(size: number): Promise<never> {
    this.counts.refused += size;
    if (this.refusal === undefined) {
      this.refusal = Promise.reject(new QueueFullError(this.name, this.maxQueue));
      // Handled here too, so a caller that drops the promise does not end the process; every caller that
      // keeps it still sees the rejection.
      this.refusal.catch(ignore);
    }
    return this.refusal;
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
      if (this.deadlineTimer === undefined) this.armDeadline(group);
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
      group.running = true;
      void this.commitGroup(group).then(() => this.committed(group));
    }
  }

  private committed(group: Group): void {
    this.inFlight--;
    group.running = false;
    this.advance();
    this.pump(true);
  }

  /** Moves the settled prefix past the leading settled groups, and tells flush/close. */
  private advance(): void {
    while (this.head < this.next && this.groups[this.head]!.settled) {
      this.settled = this.groups[this.head]!.endSeq;
      this.head++;
    }
    this.compact();
    this.notifySettled();
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
    for (;;) {
      try {
        const result = await (group.pack !== undefined
          ? this.inner.appendPack!(group.pack)
          : this.inner.append(unique));
        if (group.settled) {
          // Its deadline passed while the store worked: the callers were told it failed, but it is stored.
          this.counts.committedAfterDeadline += group.size;
          return;
        }
        if (first !== undefined) shareOut(group, first, unique.length, result);
        this.counts.committed += group.size;
        this.finish(group, undefined);
        this.advance(); // before the callers resume, so `pending` already counts them out
        return;
      } catch (error) {
        if (group.settled) return; // past the deadline already: not tried again
        group.attempts++;
        group.lastError = error;
        const waited = Date.now() - group.acceptedAt;
        const backoff = Math.min(
          this.retry.maxDelayMs,
          this.retry.initialDelayMs * 2 ** (group.attempts - 1),
        );
        // The last wait is cut to the time left, so the group gets one more attempt at its deadline and its
        // callers never see the BackendError before `retry.deadlineMs` (failing as soon as the next backoff
        // would overrun it told them up to `maxDelayMs` early).
        const remaining = this.retry.deadlineMs - waited;
        if (remaining <= 0) {
          this.fail(group, this.deadlineError(group, true));
          this.advance();
          return;
        }
        const delay = Math.min(remaining, Math.round(backoff * (0.5 + Math.random() / 2)));
        this.onRetry?.(error, group.attempts, delay);
        await new Promise((r) => setTimeout(r, delay));
        if (group.settled) return; // the deadline timer answered it during the wait
      }
    }
  }

  /**
   * Why a group's events were not recorded within the deadline: the store kept failing (with its last
   * error), a commit did not return, or no slot came free.
   */
  private deadlineError(group: Group, started: boolean): BackendError {
    const within = `within ${this.retry.deadlineMs} ms (retry.deadlineMs)`;
    if (group.lastError !== undefined) {
      const error = group.lastError;
      return new BackendError(
        `the ${this.name} event store did not accept ${group.size} events ${within}, ${group.attempts} attempts: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    return new BackendError(
      started
        ? `the ${this.name} event store did not answer a commit of ${group.size} events ${within}; it may still complete, and a retry with the same event ids is not counted twice`
        : `the ${this.name} event store had no free commit slot for ${group.size} events ${within}; they were not recorded`,
    );
  }

  /** Rejects every caller of the group (the appends' spans, the records' shared promise). */
  private fail(group: Group, failure: unknown): void {
    if (group.settled) return;
    failSpans(group, failure);
    this.counts.failed += group.size;
    this.finish(group, failure);
  }

  /** Marks the group settled (once), answers its records and frees its room in the queue. */
  private finish(group: Group, failure: unknown): void {
    group.settled = true;
    group.settleRecords(failure);
    this.queued -= group.size;
    this.refusal = undefined; // there is room again: a later refusal is a new stretch
    if (!group.running) group.events = []; // a running commit still reads them
  }

  /** Arms the deadline timer for the oldest unsettled group. */
  private armDeadline(group: Group): void {
    const wait = Math.max(0, group.acceptedAt + this.retry.deadlineMs - Date.now());
    this.deadlineTimer = setTimeout(() => this.expire(), wait);
  }

  /**
   * Rejects every group accepted more than `retry.deadlineMs` ago and not yet settled: ones waiting for a
   * slot (they never start) and running ones, whose commit may hang (they keep their slot until it returns,
   * so a hung store never gets more than `concurrency` commits). Groups are in acceptance order, so the
   * expired ones are a prefix, and one timer, re-armed for the next oldest, covers them all.
   */
  private expire(): void {
    this.deadlineTimer = undefined;
    const now = Date.now();
    let i = this.head;
    for (; i < this.groups.length; i++) {
      const group = this.groups[i]!;
      if (group.settled) continue;
      if (group.acceptedAt + this.retry.deadlineMs > now) break;
      const started = i < this.next;
      this.fail(group, this.deadlineError(group, started));
      if (!started) {
        // Never to start: the slot loop begins after it.
        this.next = i + 1;
        if (group === this.open) this.open = undefined;
      }
    }
    for (; i < this.groups.length; i++) {
      if (!this.groups[i]!.settled) {
        this.armDeadline(this.groups[i]!);
        break;
      }
    }
    this.advance();
  }

  private compact(): void {
    // Drop settled groups (and the events they hold) from the front once they are half the array (or all of
    // it): each group is copied O(1) times on average, and a steady stream never keeps committed events
    // reachable for long.
    if (this.head === this.groups.length || (this.head >= 8 && this.head * 2 >= this.groups.length)) {
      this.groups = this.groups.slice(this.head);
      this.next -= this.head;
      this.head = 0;
    }
    if (this.groups.length === 0 && this.deadlineTimer !== undefined) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
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

function nonNegativeOrInfinite(value: number, name: string): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number of milliseconds (or Infinity), got ${value}`);
  return value;
}
