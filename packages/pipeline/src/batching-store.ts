import {
  type AppendResult,
  BackendError,
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
  readonly retry?: RetryOptions;
  /** Called for each failed commit attempt (logging); the records are retried until their deadline. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** One `append` call: its events resolve together. */
interface Entry {
  readonly size: number;
  remaining: number;
  inserted: number;
  duplicates: number;
  failure: unknown;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface Waiter {
  readonly batch: readonly StoredEvent[];
  readonly entry: Entry;
}

/**
 * An EventStore decorator that turns many small appends into few large, durable commits.
 *
 * - Group commit: events are queued and written by size (`maxBatch`) and by interval (`maxDelayMs`), one
 *   commit at a time; an `append` resolves once every one of its events is committed, so a caller that
 *   awaits knows its events are durable, and a caller that does not await pays only the enqueue.
 * - Bounded: at most `maxQueue` events wait; beyond that, `append` waits for room (backpressure).
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
  private readonly retry: Required<RetryOptions>;
  private readonly onRetry: BatchingOptions["onRetry"];

  // The queue: events in acceptance order, with their entry and acceptance time, from `head` on.
  private events: StoredEvent[] = [];
  private owners: Entry[] = [];
  private acceptedAt: number[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  /** Events accepted (queued or committing), counting the commit in flight. */
  private queued = 0;
  private committing = false;
  private timer: NodeJS.Timeout | undefined;
  /** Sequence numbers: every event gets one when `append` is called; settled ones in order. */
  private requested = 0;
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
    this.retry = {
      initialDelayMs: nonNegative(options.retry?.initialDelayMs ?? 25, "retry.initialDelayMs"),
      maxDelayMs: nonNegative(options.retry?.maxDelayMs ?? 1000, "retry.maxDelayMs"),
      deadlineMs: nonNegative(options.retry?.deadlineMs ?? 30_000, "retry.deadlineMs"),
    };
    this.onRetry = options.onRetry;
  }

  async init(): Promise<void> {
    await this.inner.init?.();
  }

  /** Queues the events; resolves once all of them are committed. Rejects at once for a malformed event. */
  append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new BackendError(`the ${this.name} event pipeline is closed; the events were not recorded`),
      );
    }
    try {
      for (let i = 0; i < batch.length; i++) validateStoredEvent(batch[i]);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    return new Promise<AppendResult>((resolve, reject) => {
      const entry: Entry = {
        size: batch.length,
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

  /** Flushes (so the summary sees every event accepted so far), then asks the inner store. */
  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.flush();
    return this.inner.summarize(query);
  }

  /** Resolves once every event accepted before the call is committed or has failed. */
  async flush(): Promise<void> {
    const target = this.requested;
    if (this.settled >= target) return;
    this.commitSoon(0);
    await new Promise<void>((resolve) => this.settleWaiters.push({ target, resolve }));
    await this.inner.flush?.();
  }

  /** Stops accepting events, drains the queue, then closes the inner store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const target = this.requested;
      if (this.settled < target) {
        this.commitSoon(0);
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

  private hasRoom(size: number): boolean {
    return this.queued === 0 || this.queued + size <= this.maxQueue;
  }

  private enqueue(batch: readonly StoredEvent[], entry: Entry): void {
    const now = Date.now();
    for (let i = 0; i < batch.length; i++) {
      this.events.push(batch[i]!);
      this.owners.push(entry);
      this.acceptedAt.push(now);
    }
    this.queued += batch.length;
    if (this.events.length - this.head >= this.maxBatch) this.commitSoon(0);
    else this.commitSoon(this.maxDelayMs);
  }

  private commitSoon(delayMs: number): void {
    if (this.committing) return; // the loop picks the queue up when the commit in flight ends
    if (delayMs === 0) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      // A macrotask, not a microtask: a producer that awaits its appends in a tight loop still lets timers
      // and I/O run between commits.
      setImmediate(() => void this.commitLoop());
      this.committing = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.committing) return;
      this.committing = true;
      void this.commitLoop();
    }, delayMs);
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.events.length - this.head > 0) {
        const end = Math.min(this.events.length, this.head + this.maxBatch);
        await this.commitGroup(this.head, end);
        this.head = end;
        this.compact();
        this.admitWaiters();
      }
    } finally {
      this.committing = false;
    }
    // Waiters admitted in the last round may have queued events with no timer set.
    if (this.events.length - this.head > 0) this.commitSoon(0);
  }

  private async commitGroup(start: number, end: number): Promise<void> {
    // Repeats inside the group are answered here; the store sees each id once.
    const seen = new Set<string>();
    const unique: StoredEvent[] = [];
    const first: boolean[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const id = this.events[i]!.eventId;
      const isFirst = !seen.has(id);
      first[i - start] = isFirst;
      if (isFirst) {
        seen.add(id);
        unique.push(this.events[i]!);
      }
    }
    let attempt = 0;
    let result: AppendResult | undefined;
    let failure: unknown;
    for (;;) {
      try {
        result = await this.inner.append(unique);
        break;
      } catch (error) {
        attempt++;
        const waited = Date.now() - this.acceptedAt[start]!;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(backoff * (0.5 + Math.random() / 2));
        if (waited + delay > this.retry.deadlineMs) {
          failure = new BackendError(
            `the ${this.name} event store did not accept ${end - start} events within ${this.retry.deadlineMs} ms (${attempt} attempts): ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
          break;
        }
        this.onRetry?.(error, attempt, delay);
        await new Promise((r) => setTimeout(r, delay));
      }
    }

    // Share the outcome out to the appends the events came from.
    const allNew = result !== undefined && result.inserted === unique.length;
    let newLeft = result?.inserted ?? 0;
    for (let i = start; i < end; i++) {
      const entry = this.owners[i]!;
      if (failure !== undefined) entry.failure ??= failure;
      else if (!first[i - start]) entry.duplicates++;
      else if (allNew || newLeft > 0) {
        entry.inserted++;
        newLeft--;
      } else entry.duplicates++;
      if (--entry.remaining === 0) {
        if (entry.failure !== undefined) entry.reject(entry.failure);
        else entry.resolve({ inserted: entry.inserted, duplicates: entry.duplicates });
      }
    }
    this.queued -= end - start;
    this.settled += end - start;
    this.notifySettled();
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.owners = this.owners.slice(this.head);
      this.acceptedAt = this.acceptedAt.slice(this.head);
      this.head = 0;
    } else if (this.head === this.events.length) {
      this.events = [];
      this.owners = [];
      this.acceptedAt = [];
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
