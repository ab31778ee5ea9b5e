import type { StickyAssignmentStore } from "@assay/core";
import { describe, expect, it } from "vitest";

/** How the suite builds the sticky store under test (a fresh one per test, or one shared: ids are unique). */
export interface StickyStoreHarness {
  create(): Promise<StickyAssignmentStore & { close?(): Promise<void> }>;
}

let counter = 0;

/**
 * The contract of a store's sticky assignments: first writer wins per (experiment, environment, version,
 * unit), versions and environments are kept apart, `since` returns what was accepted from then on.
 */
export function testStickyStore(name: string, harness: StickyStoreHarness): void {
  const experimentId = () => `sticky_${process.pid}_${counter++}`;
  describe(`sticky assignments: ${name}`, () => {
    it("keeps the first writer's variant per experiment, environment, version and unit", async () => {
      const store = await harness.create();
      const experiment = experimentId();
      await store.saveStickyAssignments([
        { experiment, version: 1, unit: "u1", variantId: "a" },
        { experiment, version: 1, unit: "u1", variantId: "b", environment: "default" },
        { experiment, version: 2, unit: "u1", variantId: "b" },
        { experiment, version: 1, unit: "u1", variantId: "c", environment: "staging" },
        { experiment, version: 1, unit: "u2", variantId: "b", environment: "staging" },
      ]);
      await store.saveStickyAssignments([{ experiment, version: 1, unit: "u1", variantId: "c" }]);
      const load = async (version: number, environment?: string) =>
        (
          await store.loadStickyAssignments({
            experiments: [{ experiment, version }],
            ...(environment === undefined ? {} : { environment }),
          })
        )
          .map((r) => `${r.unit}=${r.variantId}`)
          .sort();
      expect(await load(1)).toEqual(["u1=a"]);
      expect(await load(1, "default")).toEqual(["u1=a"]);
      expect(await load(2)).toEqual(["u1=b"]);
      expect(await load(1, "staging")).toEqual(["u1=c", "u2=b"]);
      expect(await load(1, "production")).toEqual([]);
      await store.close?.();
    });

    it("returns with `since` the rows accepted from then on", async () => {
      const store = await harness.create();
      const experiment = experimentId();
      await store.saveStickyAssignments([{ experiment, version: 1, unit: "early", variantId: "a" }]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const since = new Date();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.saveStickyAssignments([{ experiment, version: 1, unit: "late", variantId: "b" }]);
      const rows = await store.loadStickyAssignments({ experiments: [{ experiment, version: 1 }], since });
      expect(rows.map((r) => r.unit)).toEqual(["late"]);
      await store.close?.();
    });
  });
}
