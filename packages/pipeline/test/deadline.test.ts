import { type AppendResult, type EventStore, MemoryEventStore, type StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { BatchingEventStore } from "../src/index.js";

let n = 0;
const exposure = (id = `h${n++}`): StoredEvent => ({
  type: "exposure",
  eventId: id,
  experiment: "x",
  variantId: "control",
  userId: `u${n++}`,
  timestamp: new Date(),
});

/** A store whose commits hang (a lock held, a half-open connection) until the test lets them through. */
class HangingStore implements EventStore {
  readonly name = "hanging";
  readonly memory = new MemoryEventStore();
  hang = true;
  commits = 0;
  private waiting: Array<() => void> = [];
  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    this.commits++;
    if (this.hang) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.memory.append(batch);
  }
  summarize = this.memory.summarize.bind(this.memory);
  /** The hung commits complete (late), and later ones do not hang. */
  unhang(): void {
    this.hang = false;
    for (const go of this.waiting.splice(0)) go();
  }
}

describe("retry.deadlineMs bounds every commit, hung ones included", () => {
  it("rejects an awaiting caller with a BackendError at the deadline although the commit never returns", async () => {
    const inner = new HangingStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1, retry: { deadlineMs: 150 } });
    const started = Date.now();
    const [record, append] = await Promise.all([
      store.record(exposure()).catch((e: unknown) => e),
      store.append([exposure()]).catch((e: unknown) => e),
    ]);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
    for (const error of [record, append]) {
      expect(error).toMatchObject({
        name: "BackendError",
        code: "BACKEND",
        message: expect.stringMatching(/did not answer a commit of .* within 150 ms \(retry\.deadlineMs\)/),
      });
    }
    expect(store.stats).toMatchObject({ accepted: 2, failed: 2, committed: 0, pending: 0 });
    // flush and close are bounded too: nothing accepted is still waiting
    await store.flush();
  });

  it("rejects the groups waiting behind hung commits at their deadline; they are never sent", async () => {
    const inner = new HangingStore();
    const store = new BatchingEventStore(inner, {
      maxBatch: 10,
      maxDelayMs: 1,
      concurrency: 2,
      retry: { deadlineMs: 120 },
    });
    const promises = Array.from({ length: 60 }, () => store.record(exposure()).catch((e: unknown) => e));
    const errors = await Promise.all(promises);
    expect(errors.every((e) => (e as Error).name === "BackendError")).toBe(true);
    expect(new Set(errors.map((e) => (e as Error).message.replace(/\d+ events/, "N events"))).size).toBe(2);
    expect(errors.some((e) => /no free commit slot/.test((e as Error).message))).toBe(true);
    expect(inner.commits).toBe(2); // the hung store never got more than `concurrency` commits
    expect(store.stats).toMatchObject({ accepted: 60, failed: 60, pending: 0 });
    // the store recovers: the hung commits land late and new events go through
    inner.unhang();
    await store.record(exposure());
    expect(store.stats).toMatchObject({ committed: 1, committedAfterDeadline: 20 });
  });

  it("a late success is not counted twice when the caller retries with the same event ids", async () => {
    const inner = new HangingStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1, retry: { deadlineMs: 80 } });
    const events = Array.from({ length: 5 }, () => exposure());
    await expect(store.append(events)).rejects.toMatchObject({ code: "BACKEND" });
    inner.unhang(); // the hung commit completes after all: the events are stored
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(inner.memory.all()).toHaveLength(5);
    // the caller, told it failed, retries with the same ids: the store keeps each once
    expect(await store.append(events)).toEqual({ inserted: 0, duplicates: 5 });
    expect(inner.memory.all()).toHaveLength(5);
    expect(store.stats).toMatchObject({ failed: 5, committedAfterDeadline: 5, committed: 5 });
  });

  it("close returns within the deadline while a commit hangs", async () => {
    const inner = new HangingStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1, retry: { deadlineMs: 100 } });
    const record = store.record(exposure()).catch((e: unknown) => e);
    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await record).toMatchObject({ code: "BACKEND" });
  });
});

describe("a store that keeps failing", () => {
  /** Every commit fails at once, as a refused connection does. */
  class FailingStore implements EventStore {
    readonly name = "failing";
    attempts: number[] = [];
    async append(): Promise<AppendResult> {
      this.attempts.push(Date.now());
      throw new Error("connection refused");
    }
    summarize = new MemoryEventStore().summarize;
  }

  it("is retried until the deadline, not given up on when the next backoff would overrun it", async () => {
    // With backoffs of up to 400 ms against a 500 ms deadline, giving up when `waited + delay` passes the
    // deadline rejected callers after ~100-300 ms; they must hear only at the deadline, after a last attempt.
    for (let round = 0; round < 5; round++) {
      const inner = new FailingStore();
      const store = new BatchingEventStore(inner, {
        maxDelayMs: 1,
        retry: { deadlineMs: 500, initialDelayMs: 100, maxDelayMs: 400 },
      });
      const started = Date.now();
      const error = await store.record(exposure()).catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(error).toMatchObject({ name: "BackendError" });
      expect(waited).toBeGreaterThanOrEqual(495);
      expect(waited).toBeLessThan(1500);
      expect(inner.attempts.length).toBeGreaterThanOrEqual(2);
      await store.close();
    }
  });
});
