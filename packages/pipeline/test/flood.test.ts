import type { AppendResult, EventStore, StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { BatchingEventStore, QueueFullError } from "../src/index.js";

/** A store that takes anything at once and only counts: the pipeline is all that is measured. */
class CountingStore implements EventStore {
  readonly name = "counting";
  stored = 0;
  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    // a little latency, so the producer outruns the store and the queue fills
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.stored += batch.length;
    return { inserted: batch.length, duplicates: 0 };
  }
  async summarize(): Promise<never> {
    throw new Error("not used");
  }
}

describe("a flood of unawaited records past maxQueue", () => {
  it("1,000,000 records: memory stays bounded, nothing is silent (accepted = stored, the rest refused and counted)", async () => {
    const inner = new CountingStore();
    const maxQueue = 50_000;
    const store = new BatchingEventStore(inner, { maxQueue });
    const timestamp = new Date();
    const refusals = new Set<unknown>();
    let rejectedRecords = 0;
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let peakPending = 0;
    const total = 1_000_000;
    for (let i = 0; i < total; i += 20_000) {
      let last: Promise<void> | undefined;
      for (let j = i; j < i + 20_000; j++) {
        const p = store.record({
          type: "exposure",
          eventId: `f${j}`,
          experiment: "x",
          variantId: "control",
          userId: `u${j}`,
          timestamp,
        });
        // One handler per distinct promise (what the runtime does): refused records share theirs.
        if (p !== last) {
          last = p;
          p.catch((error: unknown) => {
            refusals.add(error);
          });
        }
      }
      peakPending = Math.max(peakPending, store.pending);
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await store.flush();
    const stats = store.stats;
    rejectedRecords = stats.refused;
    expect(stats.accepted + stats.refused).toBe(total);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats).toMatchObject({ committed: stats.accepted, failed: 0, pending: 0 });
    expect(inner.stored).toBe(stats.accepted);
    expect(peakPending).toBeLessThanOrEqual(maxQueue);
    // every refusal reached a handler, as a QueueFullError (shared by the records of a stretch of refusals)
    expect(refusals.size).toBeGreaterThan(0);
    for (const error of refusals) expect(error).toBeInstanceOf(QueueFullError);
    expect(rejectedRecords).toBe(total - stats.accepted);
    // 50,000 queued events of ~150 bytes, and garbage; the unbounded list took 1.3 GB for 1M
    expect(peak).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);
});
