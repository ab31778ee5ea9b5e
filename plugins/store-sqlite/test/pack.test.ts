import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type StoredEvent, summarizeEvents } from "@assay/core";
import { BatchingEventStore } from "@assay/pipeline";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/index.js";

const tempPath = async () => join(await mkdtemp(join(tmpdir(), "assay-pack-")), "events.db");

/**
 * Exposures and outcomes of every kind, with odd strings (within what an id may be: see @assay/core's
 * requireId) and absent ids, over two experiments.
 */
function mixedEvents(): StoredEvent[] {
  const odd = ["", "é😀", "a\nb", "\u0001\t", "x".repeat(240)];
  const out: StoredEvent[] = [];
  const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  for (let u = 0; u < 40; u++) {
    const experiment = u % 4 === 0 ? "e" : "e2"; // the two names must not run together with the variant's
    const ids = u % 3 === 0 ? { sessionId: `s${odd[u % 5]}${u}` } : { userId: `u${odd[u % 5]}${u}` };
    out.push({
      type: "exposure",
      eventId: `x${u}`,
      experiment,
      variantId: u % 2 === 0 ? "control" : `t${odd[u % 5]}`,
      ...ids,
      timestamp: t(u),
    });
    out.push(
      {
        type: "outcome",
        eventId: `b${u}`,
        experiment,
        metric: "buy",
        value: { kind: "bool", value: u % 3 === 1 },
        ...ids,
        timestamp: t(u + 1),
      },
      {
        type: "outcome",
        eventId: `n${u}`,
        experiment,
        metric: "rev",
        value: { kind: "numeric", value: u / 8 }, // exact in binary, whatever the order of the sums
        ...ids,
        timestamp: t(u + 2),
      },
      {
        type: "outcome",
        eventId: `c${u}`,
        experiment,
        metric: "items",
        value: { kind: "count", value: u % 4 },
        ...ids,
        timestamp: t(u + 3),
      },
    );
  }
  return out;
}

describe("packed records (EventStore.createPack)", () => {
  it("reach the store through the pipeline's record path intact", async () => {
    const events = mixedEvents();
    const store = new BatchingEventStore(new SqliteEventStore({ path: await tempPath() }), { maxBatch: 50 });
    await Promise.all([...events, ...events.slice(0, 30)].map((e) => store.record(e)));
    for (const experiment of ["e", "e2"]) {
      for (const unit of ["user", "session"] as const) {
        expect(await store.summarize({ experiment, unit, daily: true })).toEqual(
          summarizeEvents(events, { experiment, unit, daily: true }),
        );
      }
    }
    expect(await (store.inner as SqliteEventStore).count()).toBe(events.length);
    await store.close();
  });

  it("can be sent again (a retry): the pack is left as it was", async () => {
    const store = new SqliteEventStore({ path: await tempPath() });
    const pack = store.createPack(2);
    for (const e of mixedEvents()) pack.add(e); // grows past its capacity
    expect(await store.appendPack(pack)).toEqual({ inserted: 160, duplicates: 0 });
    expect(await store.appendPack(pack)).toEqual({ inserted: 0, duplicates: 160 });
    expect(await store.count()).toBe(160);
    await expect(store.appendPack({ size: 1, add() {} })).rejects.toThrow(TypeError);
    await store.close();
  });
});
