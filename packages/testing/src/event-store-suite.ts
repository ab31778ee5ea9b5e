import type { EventStore, OutcomeValue, StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";

/** How the suite builds the store under test. */
export interface EventStoreHarness {
  /** A fresh, empty store (initialized by the suite through `init`). */
  create(): EventStore | Promise<EventStore>;
  /** Optional: close `store` and open a new instance over the same data, to check durability. */
  reopen?(store: EventStore): EventStore | Promise<EventStore>;
}

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
let counter = 0;
const id = () => `evt-${process.pid}-${Date.now()}-${counter++}`;

function exposure(experiment: string, variantId: string, userId: string, minute: number): StoredEvent {
  return { type: "exposure", eventId: id(), experiment, variantId, userId, timestamp: t(minute) };
}
function outcome(
  experiment: string,
  metric: string,
  value: OutcomeValue,
  unit: { userId?: string; sessionId?: string },
  minute: number,
): StoredEvent {
  return { type: "outcome", eventId: id(), experiment, metric, value, ...unit, timestamp: t(minute) };
}

/**
 * The contract every EventStore honours: idempotent appends and the summary semantics (first exposure by
 * timestamp, outcomes only at or after it, per-unit aggregation by metric kind, unexposed units excluded).
 */
export function testEventStore(name: string, harness: EventStoreHarness): void {
  const open = async () => {
    const store = await harness.create();
    await store.init?.();
    return store;
  };
  // Each test uses its own experiment id so stores that share a database between tests stay independent.
  const experimentId = (label: string) => `conf_${label}_${process.pid}_${counter++}`;

  describe(`EventStore conformance: ${name}`, () => {
    it("ignores repeated event ids within and across batches", async () => {
      const store = await open();
      const exp = experimentId("dedup");
      const e = exposure(exp, "control", "u1", 0);
      expect(await store.append([e, e])).toEqual({ inserted: 1, duplicates: 1 });
      expect(await store.append([e])).toEqual({ inserted: 0, duplicates: 1 });
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants).toEqual([{ variantId: "control", exposedUnits: 1, exposures: 1 }]);
      await store.close?.();
    });

    it("attributes a unit to its first exposure by timestamp, not by arrival", async () => {
      const store = await open();
      const exp = experimentId("first");
      await store.append([exposure(exp, "treatment", "u1", 10)]);
      await store.append([exposure(exp, "control", "u1", 5)]); // arrives late, happened first
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants.find((v) => v.variantId === "control")?.exposedUnits).toBe(1);
      expect(summary.variants.find((v) => v.variantId === "treatment")?.exposedUnits ?? 0).toBe(0);
      expect(summary.unitsInSeveralVariants).toBe(1);
      await store.close?.();
    });

    it("counts outcomes at or after the first exposure only, aggregated per unit by kind", async () => {
      const store = await open();
      const exp = experimentId("agg");
      await store.append([
        exposure(exp, "control", "a", 10),
        exposure(exp, "control", "b", 10),
        exposure(exp, "treatment", "c", 10),
        exposure(exp, "treatment", "c", 20), // a second exposure of the same unit
        // bool: converted at least once
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "a" }, 11),
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "a" }, 12),
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "b" }, 9), // before exposure: excluded
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "c" }, 10), // at exposure: counted
        // numeric: sum per unit
        outcome(exp, "revenue", { kind: "numeric", value: 2.5 }, { userId: "a" }, 11),
        outcome(exp, "revenue", { kind: "numeric", value: 4 }, { userId: "a" }, 15),
        outcome(exp, "revenue", { kind: "numeric", value: 10 }, { userId: "c" }, 30),
        // count: sum per unit
        outcome(exp, "items", { kind: "count", value: 2 }, { userId: "b" }, 11),
        outcome(exp, "items", { kind: "count", value: 3 }, { userId: "b" }, 12),
        // never exposed: kept, excluded
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "stranger" }, 11),
      ]);
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants).toEqual([
        { variantId: "control", exposedUnits: 2, exposures: 2 },
        { variantId: "treatment", exposedUnits: 1, exposures: 2 },
      ]);
      const metric = (m: string) => summary.metrics.find((x) => x.metric === m)!;
      expect(metric("buy").kind).toBe("bool");
      expect(metric("buy").variants).toEqual([
        { variantId: "control", n: 2, sum: 1, sumSquares: 1 },
        { variantId: "treatment", n: 1, sum: 1, sumSquares: 1 },
      ]);
      expect(metric("revenue").variants).toEqual([
        { variantId: "control", n: 2, sum: 6.5, sumSquares: 42.25 },
        { variantId: "treatment", n: 1, sum: 10, sumSquares: 100 },
      ]);
      expect(metric("items").kind).toBe("count");
      expect(metric("items").variants[0]).toEqual({ variantId: "control", n: 2, sum: 5, sumSquares: 25 });
      expect(summary.unattributedOutcomes).toBe(2);
      const only = await store.summarize({ experiment: exp, metrics: ["items"] });
      expect(only.metrics.map((m) => m.metric)).toEqual(["items"]);
      await store.close?.();
    });

    it("keys anonymous units by session id", async () => {
      const store = await open();
      const exp = experimentId("session");
      await store.append([
        {
          type: "exposure",
          eventId: id(),
          experiment: exp,
          variantId: "control",
          sessionId: "s1",
          timestamp: t(1),
        },
        outcome(exp, "buy", { kind: "bool", value: true }, { sessionId: "s1" }, 2),
      ]);
      const summary = await store.summarize({ experiment: exp, unit: "session" });
      expect(summary.metrics[0]?.variants[0]).toEqual({ variantId: "control", n: 1, sum: 1, sumSquares: 1 });
      await store.close?.();
    });

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen;
      it("keeps appended events across a reopen", async () => {
        const store = await open();
        const exp = experimentId("durable");
        const e = exposure(exp, "control", "u1", 0);
        await store.append([e, outcome(exp, "buy", { kind: "bool", value: true }, { userId: "u1" }, 1)]);
        const again = await reopen(store);
        await again.init?.();
        expect(await again.append([e])).toEqual({ inserted: 0, duplicates: 1 });
        const summary = await again.summarize({ experiment: exp });
        expect(summary.metrics[0]?.variants[0]).toMatchObject({ n: 1, sum: 1 });
        await again.close?.();
      });
    }
  });
}
