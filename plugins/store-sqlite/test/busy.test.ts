import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/index.js";

const exposure = (i: number): StoredEvent => ({
  type: "exposure",
  eventId: `b-${i}`,
  experiment: "busy",
  variantId: i % 2 === 0 ? "control" : "treatment",
  userId: `u${i}`,
  timestamp: new Date(Date.now() - 60_000 + (i % 1000)),
});

describe("readers and a writer on one file, from several connections", () => {
  it("answers every concurrent summary: SQLITE_BUSY is waited out and retried, not returned", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "assay-sqlite-busy-")), "events.db");
    // A busy timeout of 1 ms makes the lock contention of a few instances show at once; the readers' retry
    // (readRetryMs) is what must answer them.
    const stores = Array.from(
      { length: 4 },
      () => new SqliteEventStore({ path, busyTimeoutMs: 1, rollupStep: 0 }),
    );
    for (const store of stores) await store.init();
    let next = 0;
    const write = async (store: SqliteEventStore, rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        const batch = Array.from({ length: 2000 }, () => exposure(next++));
        await store.append(batch).catch(() => undefined); // a writer's busy is the pipeline's to retry
      }
    };
    const summaries: Array<Promise<unknown>> = [];
    const writers = [write(stores[0]!, 20), write(stores[1]!, 20)];
    for (let round = 0; round < 19; round++) {
      for (const store of stores) summaries.push(store.summarize({ experiment: "busy" }));
      await new Promise((r) => setTimeout(r, 5));
    }
    const settled = await Promise.allSettled(summaries);
    await Promise.all(writers);
    const failed = settled.filter((s) => s.status === "rejected");
    expect(failed.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
    expect(settled).toHaveLength(76);
    const stored = await stores[0]!.count("busy");
    const final = await stores[2]!.summarize({ experiment: "busy" });
    expect(final.variants.reduce((n, v) => n + v.exposures, 0)).toBe(stored);
    for (const store of stores) await store.close();
  });
});
