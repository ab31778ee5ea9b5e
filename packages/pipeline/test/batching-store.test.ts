import {
  type AppendResult,
  type EventPack,
  type EventStore,
  MemoryEventStore,
  type StoredEvent,
  type SummaryQuery,
} from "@assay/core";
import { testEventStore } from "@assay/testing";
import { describe, expect, it } from "vitest";
import { BatchingEventStore, QueueFullError } from "../src/index.js";

testEventStore("memory behind the batching pipeline", {
  create: () => new BatchingEventStore(new MemoryEventStore(), { maxDelayMs: 1 }),
});

let n = 0;
const exposure = (id = `e${n++}`): StoredEvent => ({
  type: "exposure",
  eventId: id,
  experiment: "x",
  variantId: "control",
  userId: `u${n++}`,
  timestamp: new Date(1_767_225_600_000),
});

/** A store whose appends the test releases by hand, and can make fail. */
class ControlledStore implements EventStore {
  readonly name = "controlled";
  readonly memory = new MemoryEventStore();
  readonly calls: number[] = [];
  /** When set, the next appends wait for `release()`. */
  hold = false;
  /** Fail this many next appends; `lostAck` fails after writing (the reply is lost, the write is not). */
  failures = 0;
  lostAck = false;
  closed = false;
  private gates: Array<() => void> = [];

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    this.calls.push(batch.length);
    if (this.hold) await new Promise<void>((resolve) => this.gates.push(resolve));
    if (this.failures > 0) {
      this.failures--;
      if (this.lostAck) await this.memory.append(batch);
      throw new Error("connection refused");
    }
    return this.memory.append(batch);
  }
  summarize(query: SummaryQuery) {
    return this.memory.summarize(query);
  }
  release(): void {
    this.hold = false;
    for (const gate of this.gates.splice(0)) gate();
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The pack of PackingStore: keeps the events it was given, so the test can see what each commit carried. */
class ListPack implements EventPack {
  readonly events: StoredEvent[] = [];
  constructor(readonly capacity: number) {}
  add(event: StoredEvent): void {
    this.events.push(event);
  }
  get size(): number {
    return this.events.length;
  }
}

/** A ControlledStore that packs (EventStore.createPack): records of a group reach it as one pack. */
class PackingStore extends ControlledStore {
  /** Every appendPack call's pack (retries included), and the packs committed. */
  readonly packAttempts: ListPack[] = [];
  readonly packsCommitted: ListPack[] = [];
  /** The sizes of the batches given to append itself. */
  readonly appendCalls: number[] = [];
  createPack(capacity: number): EventPack {
    return new ListPack(capacity);
  }
  async appendPack(pack: EventPack): Promise<AppendResult> {
    const list = pack as ListPack;
    this.packAttempts.push(list);
    const result = await super.append(list.events);
    this.packsCommitted.push(list);
    return result;
  }
  override append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    this.appendCalls.push(batch.length);
    return super.append(batch);
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** After `ms`: "pending" for each promise not settled yet, else its rejection (or "resolved"). */
async function settleAll(promises: ReadonlyArray<Promise<unknown>>, ms: number): Promise<unknown[]> {
  const outcomes: unknown[] = promises.map(() => "pending");
  promises.forEach((p, i) => {
    p.then(
      () => {
        outcomes[i] = "resolved";
      },
      (error: unknown) => {
        outcomes[i] = error;
      },
    );
  });
  await tick(ms);
  return outcomes;
}

describe("BatchingEventStore", () => {
  it("commits concurrent appends as a few groups and resolves each once its group is committed", async () => {
    const inner = new ControlledStore();
    const store = new BatchingEventStore(inner, { maxBatch: 300, maxDelayMs: 5 });
    let resolved = 0;
    const promises = Array.from({ length: 1000 }, () =>
      store.append([exposure()]).then((r) => {
        resolved++;
        return r;
      }),
    );
    expect(resolved).toBe(0);
    const results = await Promise.all(promises);
    expect(results.every((r) => r.inserted === 1 && r.duplicates === 0)).toBe(true);
    expect(inner.calls).toEqual([300, 300, 300, 100]);
    expect(inner.memory.all()).toHaveLength(1000);
  });

  it("does not resolve before the store has committed", async () => {
    const inner = new ControlledStore();
    inner.hold = true;
    const store = new BatchingEventStore(inner, { maxDelayMs: 1 });
    let done = false;
    const p = store.append([exposure()]).then(() => {
      done = true;
    });
    await tick(20);
    expect(inner.calls).toEqual([1]);
    expect(done).toBe(false);
    inner.release();
    await p;
    expect(done).toBe(true);
  });

  it("commits a lone event after maxDelayMs without a flush", async () => {
    const inner = new ControlledStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 10 });
    const started = Date.now();
    await store.append([exposure()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9);
    expect(inner.calls).toEqual([1]);
  });

  it("answers repeated ids inside one group itself and counts per append", async () => {
    const inner = new ControlledStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 5 });
    const e = exposure("same");
    const [a, b] = await Promise.all([store.append([e, exposure()]), store.append([e])]);
    expect(inner.calls).toEqual([2]);
    expect(a).toEqual({ inserted: 2, duplicates: 0 });
    expect(b).toEqual({ inserted: 0, duplicates: 1 });
    expect(await store.append([e])).toEqual({ inserted: 0, duplicates: 1 });
  });

  it("refuses events past maxQueue at once with a QueueFullError, counts them, and takes events again once there is room", async () => {
    const inner = new ControlledStore();
    inner.hold = true;
    const store = new BatchingEventStore(inner, { maxBatch: 4, maxQueue: 10, maxDelayMs: 1 });
    const outcomes = await settleAll(
      Array.from({ length: 25 }, () => store.append([exposure()])),
      20,
    );
    // 10 accepted (pending), 15 refused at once with one shared error, none of them waiting
    expect(outcomes.filter((o) => o === "pending")).toHaveLength(10);
    const refused = outcomes.filter((o) => o !== "pending");
    expect(refused).toHaveLength(15);
    expect(new Set(refused).size).toBe(1);
    expect(refused[0]).toBeInstanceOf(QueueFullError);
    expect(refused[0]).toMatchObject({
      code: "BACKEND",
      maxQueue: 10,
      message: expect.stringMatching(/holds 10 events/),
    });
    expect(store.stats).toMatchObject({ accepted: 10, refused: 15, pending: 10, committed: 0 });
    expect(inner.calls).toEqual([4, 4]);
    inner.release();
    await store.flush();
    expect(inner.memory.all()).toHaveLength(10);
    await store.append([exposure()]); // room again
    expect(store.stats).toMatchObject({ accepted: 11, committed: 11, refused: 15, failed: 0, pending: 0 });
    expect(Math.max(...inner.calls)).toBeLessThanOrEqual(4);
  });

  it("retries a failing store with backoff; a lost acknowledgement never counts twice", async () => {
    const inner = new ControlledStore();
    inner.failures = 3;
    inner.lostAck = true; // the first failed attempt wrote the events anyway
    const retries: number[] = [];
    const store = new BatchingEventStore(inner, {
      maxDelayMs: 1,
      retry: { initialDelayMs: 5, maxDelayMs: 20, deadlineMs: 5000 },
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    const events = Array.from({ length: 50 }, () => exposure());
    await Promise.all(events.map((e) => store.append([e])));
    expect(retries).toEqual([1, 2, 3]);
    expect(inner.memory.all()).toHaveLength(50);
    const summary = await store.summarize({ experiment: "x" });
    expect(summary.variants[0]?.exposures).toBe(50);
  });

  it("keeps events while the store is down and commits them when it is back", async () => {
    const inner = new ControlledStore();
    inner.failures = 1_000_000;
    const store = new BatchingEventStore(inner, {
      maxDelayMs: 1,
      retry: { initialDelayMs: 5, maxDelayMs: 10, deadlineMs: 10_000 },
    });
    const all = Promise.all(Array.from({ length: 200 }, () => store.append([exposure()])));
    await tick(60);
    expect(inner.calls.length).toBeGreaterThan(2);
    expect(inner.memory.all()).toHaveLength(0);
    inner.failures = 0; // the store comes back
    await all;
    expect(inner.memory.all()).toHaveLength(200);
  });

  it("rejects with a BackendError once the store stays down past the deadline", async () => {
    const inner = new ControlledStore();
    inner.failures = 1_000_000;
    const store = new BatchingEventStore(inner, {
      maxDelayMs: 1,
      retry: { initialDelayMs: 5, maxDelayMs: 10, deadlineMs: 80 },
    });
    const started = Date.now();
    const error = await store.append([exposure()]).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({
      name: "BackendError",
      code: "BACKEND",
      status: 500,
      message: expect.stringMatching(/did not accept 1 events within 80 ms .*attempts: connection refused/),
    });
    // the pipeline keeps working for later events once the store is back
    inner.failures = 0;
    expect(await store.append([exposure()])).toEqual({ inserted: 1, duplicates: 0 });
  });

  it("flush and close drain the queue; appends after close are refused", async () => {
    const inner = new ControlledStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 10_000 });
    for (let i = 0; i < 10; i++) void store.append([exposure()]);
    await store.flush();
    expect(inner.memory.all()).toHaveLength(10);
    for (let i = 0; i < 5; i++) void store.append([exposure()]);
    await store.close();
    expect(inner.memory.all()).toHaveLength(15);
    expect(inner.closed).toBe(true);
    await expect(store.append([exposure()])).rejects.toMatchObject({ code: "BACKEND" });
  });

  it("refuses malformed events at once", async () => {
    const store = new BatchingEventStore(new MemoryEventStore());
    const base = { eventId: "b", experiment: "x", userId: "u", timestamp: new Date() };
    const bad: unknown[] = [
      { ...base, type: "outcome", metric: "m", value: { kind: "numeric", value: Number.NaN } },
      { ...base, type: "outcome", metric: "m", value: { kind: "numeric", value: Number.POSITIVE_INFINITY } },
      { ...base, type: "outcome", metric: "m", value: { kind: "count", value: 1.5 } },
      { ...base, type: "exposure", variantId: "v", timestamp: new Date("nope") },
      { ...base, type: "exposure", variantId: "v", timestamp: new Date(Date.UTC(1969, 11, 31)) },
      { ...base, type: "exposure", variantId: "" },
      { ...base, type: "exposure", variantId: "v", userId: undefined },
      { ...base, type: "click" },
      // ids no store could keep as given (see requireId)
      { ...base, type: "exposure", variantId: "v", userId: "u\u0000" },
      { ...base, type: "exposure", variantId: "v", eventId: "e".repeat(257) },
      { ...base, type: "outcome", metric: "m\uD800", value: { kind: "bool", value: true } },
      { ...base, type: "exposure", variantId: "v", sessionId: 7 },
      { ...base, type: "exposure", variantId: "v", userId: null, sessionId: "s" },
    ];
    for (const event of bad) {
      await expect(store.append([event as StoredEvent])).rejects.toMatchObject({ code: "INVALID_CONTEXT" });
    }
    expect(store.pending).toBe(0);
  });

  it("refuses a record with an id no store can keep, at the call, and commits the others of its group", async () => {
    const inner = new ControlledStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1 });
    const good = [exposure(), exposure()];
    const settled = await Promise.allSettled([
      store.record(good[0]!),
      store.record({ ...exposure(), userId: "a\u0000b" }),
      store.record(good[1]!),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({
      code: "INVALID_CONTEXT",
      message: expect.stringMatching(
        /^exposure.userId must not contain the NUL character \(U\+0000\), found at index 1/,
      ),
    });
    expect(inner.memory.all().map((e) => e.eventId)).toEqual(good.map((e) => e.eventId));
    await store.close();
  });

  describe("commits in flight (concurrency)", () => {
    it("keeps as many commits in flight as the store asks for, else 2, unless the options say", async () => {
      const inFlight = async (commitsInFlight: number | undefined, concurrency?: number) => {
        const inner = new ControlledStore();
        if (commitsInFlight !== undefined) Object.assign(inner, { commitsInFlight });
        inner.hold = true;
        const store = new BatchingEventStore(inner, { maxBatch: 5, ...(concurrency ? { concurrency } : {}) });
        const all = Array.from({ length: 50 }, () => store.record(exposure())); // ten full groups
        await tick(10);
        const started = inner.calls.length;
        inner.release();
        await Promise.all(all);
        expect(inner.memory.all()).toHaveLength(50);
        return started;
      };
      expect(await inFlight(undefined)).toBe(2);
      expect(await inFlight(4)).toBe(4);
      expect(await inFlight(4, 1)).toBe(1);
    });

    it("gives the extra slot only to full groups, so commits never get smaller", async () => {
      const inner = new ControlledStore();
      inner.hold = true;
      const store = new BatchingEventStore(inner, { maxBatch: 10, maxDelayMs: 1 });
      const first = store.record(exposure());
      await tick(10);
      expect(inner.calls).toEqual([1]); // a lone record waited maxDelayMs, then went
      const more = Array.from({ length: 3 }, () => store.record(exposure()));
      await tick(10);
      expect(inner.calls).toEqual([1]); // 3 events are not a full group: they wait for the slot in use
      const full = Array.from({ length: 10 }, () => store.record(exposure()));
      await tick(10);
      expect(inner.calls).toEqual([1, 10]); // the group filled up and took the free slot
      inner.release();
      await Promise.all([first, ...more, ...full]);
      expect(inner.calls).toEqual([1, 10, 3]);
    });

    it("with concurrency 1, commits one group at a time", async () => {
      const inner = new ControlledStore();
      inner.hold = true;
      const store = new BatchingEventStore(inner, { maxBatch: 4, maxDelayMs: 1, concurrency: 1 });
      const all = Array.from({ length: 12 }, () => store.record(exposure()));
      await tick(10);
      expect(inner.calls).toEqual([4]);
      inner.release();
      await Promise.all(all);
      expect(inner.calls).toEqual([4, 4, 4]);
    });

    it("flush waits for every earlier group even when a later one commits first", async () => {
      const memory = new MemoryEventStore();
      let calls = 0;
      const slowFirst: EventStore = {
        name: "slow-first",
        async append(batch) {
          if (calls++ === 0) await tick(60);
          return memory.append(batch);
        },
        summarize: (q) => memory.summarize(q),
      };
      const store = new BatchingEventStore(slowFirst, { maxBatch: 5, maxDelayMs: 1 });
      const settledAt: number[] = [];
      for (let i = 0; i < 10; i++) void store.record(exposure()).then(() => settledAt.push(i));
      await tick(20);
      expect(memory.all()).toHaveLength(5); // the second group is in, the first is still being written
      await store.flush();
      expect(memory.all()).toHaveLength(10);
      expect(store.pending).toBe(0);
    });
  });

  describe("record (one event, a promise shared per commit)", () => {
    it("hands every record of a group the same promise, resolved only after the commit", async () => {
      const inner = new ControlledStore();
      inner.hold = true;
      const store = new BatchingEventStore(inner, { maxBatch: 100, maxDelayMs: 1 });
      const promises = Array.from({ length: 250 }, () => store.record(exposure()));
      expect(new Set(promises).size).toBe(3); // groups of 100, 100, 50
      let resolved = 0;
      for (const p of promises) void p.then(() => resolved++);
      await tick(10);
      expect(resolved).toBe(0); // the store has not committed anything yet
      inner.release();
      await Promise.all(promises);
      expect(resolved).toBe(250);
      expect(inner.calls).toEqual([100, 100, 50]);
      expect(inner.memory.all()).toHaveLength(250);
    });

    it("mixes with appends in one group and keeps each append's counts exact", async () => {
      const inner = new ControlledStore();
      const store = new BatchingEventStore(inner, { maxDelayMs: 5 });
      const e = exposure("shared");
      const r1 = store.record(e);
      const a = store.append([e, exposure()]);
      const r2 = store.record(exposure());
      expect(r2).toBe(r1);
      // the record of "shared" came first, so the append's copy is the repeat
      expect(await a).toEqual({ inserted: 1, duplicates: 1 });
      await r1;
      expect(inner.calls).toEqual([3]); // the group's repeat of "shared" never reached the store
      expect(inner.memory.all()).toHaveLength(3);
    });

    it("passes a repeated id of a records-only group to the store once stored", async () => {
      const inner = new ControlledStore();
      const store = new BatchingEventStore(inner, { maxDelayMs: 1 });
      const e = exposure("again");
      await Promise.all([store.record(e), store.record(e), store.record(exposure())]);
      await store.record(e);
      expect(inner.memory.all()).toHaveLength(2);
    });

    it("refuses records past maxQueue like appends, with the same counted error, and keeps the accepted ones in order", async () => {
      const inner = new ControlledStore();
      inner.hold = true;
      const store = new BatchingEventStore(inner, { maxBatch: 4, maxQueue: 10, maxDelayMs: 1 });
      const promises = Array.from({ length: 25 }, (_, i) =>
        i % 3 === 0 ? store.append([exposure(`q${i}`)]) : store.record(exposure(`q${i}`)),
      );
      const outcomes = await settleAll(promises, 20);
      expect(outcomes.slice(0, 10)).toEqual(Array(10).fill("pending"));
      expect(outcomes.slice(10).every((o) => o instanceof QueueFullError)).toBe(true);
      expect(store.stats.refused).toBe(15);
      inner.release();
      await Promise.all(promises.slice(0, 10));
      expect(inner.memory.all().map((e) => e.eventId)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`));
    });

    it("rejects every record of a group the store never took, with one BackendError", async () => {
      const inner = new ControlledStore();
      inner.failures = 1_000_000;
      const store = new BatchingEventStore(inner, {
        maxDelayMs: 1,
        retry: { initialDelayMs: 5, maxDelayMs: 10, deadlineMs: 60 },
      });
      const errors = await Promise.all(
        Array.from({ length: 20 }, () => store.record(exposure()).catch((e: unknown) => e)),
      );
      expect(new Set(errors).size).toBe(1);
      expect(errors[0]).toMatchObject({
        code: "BACKEND",
        message: expect.stringMatching(/did not accept 20 events/),
      });
      inner.failures = 0;
      await store.record(exposure());
      expect(inner.memory.all()).toHaveLength(1);
    });

    it("refuses malformed events and records after close, storing nothing", async () => {
      const inner = new ControlledStore();
      const store = new BatchingEventStore(inner);
      const bad = { ...exposure(), timestamp: new Date("nope") };
      await expect(store.record(bad)).rejects.toMatchObject({ code: "INVALID_CONTEXT" });
      expect(store.pending).toBe(0);
      await store.record(exposure());
      await store.close();
      await expect(store.record(exposure())).rejects.toMatchObject({ code: "BACKEND" });
      expect(inner.memory.all()).toHaveLength(1);
    });
  });

  describe("a store that packs records as they are accepted", () => {
    it("packs the records of each group, sized maxBatch, and keeps appends out of the packs", async () => {
      const inner = new PackingStore();
      const store = new BatchingEventStore(inner, { maxBatch: 100, maxDelayMs: 5 });
      const records = Array.from({ length: 150 }, (_, i) => store.record(exposure(`r${i}`)));
      expect(new Set(records).size).toBe(2);
      const a = store.append([exposure("r3"), exposure("a1")]); // r3 repeats a record
      const late = store.record(exposure("r150"));
      expect(late).not.toBe(records[149]); // an append in between starts new groups
      expect(await a).toEqual({ inserted: 1, duplicates: 1 });
      await Promise.all([...records, late]);
      expect(inner.packsCommitted.map((p) => [p.capacity, p.size])).toEqual([
        [100, 100],
        [100, 50],
        [100, 1],
      ]);
      expect(inner.appendCalls).toEqual([2]); // only the append's batch came as events
      expect(inner.memory.all().map((e) => e.eventId)).toEqual([
        ...Array.from({ length: 150 }, (_, i) => `r${i}`),
        "a1",
        "r150",
      ]);
    });

    it("retries a failed commit with the same pack, and a lost acknowledgement never counts twice", async () => {
      const inner = new PackingStore();
      inner.failures = 2;
      inner.lostAck = true;
      const store = new BatchingEventStore(inner, { maxDelayMs: 1, retry: { initialDelayMs: 1 } });
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.record(exposure(`p${i}`))));
      expect(inner.packAttempts).toHaveLength(3);
      expect(new Set(inner.packAttempts).size).toBe(1); // the same pack each time
      expect(inner.packsCommitted.map((p) => p.size)).toEqual([30]);
      expect(inner.memory.all()).toHaveLength(30);
    });

    it("refuses past maxQueue, packs and appends alike, and commits the accepted ones", async () => {
      const inner = new PackingStore();
      inner.hold = true;
      const store = new BatchingEventStore(inner, { maxBatch: 4, maxQueue: 10, maxDelayMs: 1 });
      const promises = Array.from({ length: 25 }, (_, i) =>
        i % 5 === 0 ? store.append([exposure(`w${i}`)]) : store.record(exposure(`w${i}`)),
      );
      const outcomes = await settleAll(promises, 20);
      expect(outcomes.filter((o) => o === "pending")).toHaveLength(10);
      expect(store.pending).toBe(10);
      inner.release();
      await store.flush();
      expect(inner.memory.all().map((e) => e.eventId)).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
      expect(store.stats).toMatchObject({ accepted: 10, committed: 10, refused: 15, pending: 0 });
    });
  });
});
