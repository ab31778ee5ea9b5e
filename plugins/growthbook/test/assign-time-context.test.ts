import { type ExperimentDefinition, MemoryEventStore } from "@assay/core";
import {
  type Experiment,
  type FeatureApiResponse,
  GrowthBookClient,
  type Result,
  type TrackingCallbackWithUser,
} from "@growthbook/growthbook";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GrowthBookBackend, type GrowthBookExposure } from "../src/index.js";

/**
 * Two experiments GrowthBook can only see with the attributes `assign` was given: one behind an attribute
 * condition (`country`), one hashed on another attribute than the id (`company`). Before the fix the adapter
 * re-evaluated exposures with `{ id }` only, and GrowthBook's tracking callback fired 0 times in 400 exposures.
 */
const PAYLOAD: FeatureApiResponse = {
  features: {
    "targeted-feature": {
      defaultValue: "off",
      rules: [
        {
          id: "t1",
          key: "targeted-exp",
          condition: { country: { $in: ["US", "CA"] } },
          hashVersion: 2,
          variations: ["a", "b"],
          weights: [0.5, 0.5],
          meta: [{ key: "control" }, { key: "treatment" }],
        },
      ],
    },
    "company-feature": {
      defaultValue: 0,
      rules: [
        {
          id: "c1",
          key: "company-exp",
          hashAttribute: "company",
          hashVersion: 2,
          variations: [0, 1, 2],
          weights: [0.2, 0.3, 0.5],
          meta: [{ key: "control" }, { key: "two" }, { key: "three" }],
        },
      ],
    },
  },
};

const definition = (id: string, variants: string[], unit: string): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});

const EXPERIMENTS = [
  definition("targeted-exp", ["control", "treatment"], "user"),
  definition("company-exp", ["control", "two", "three"], "company"),
];

interface Tracked {
  readonly experiment: Experiment<unknown>;
  readonly result: Result<unknown>;
}

/**
 * Every call GrowthBook makes to the tracking callback a backend sets, in order: the SDK's own setter is
 * wrapped, so the count is GrowthBook's, not the adapter's.
 */
const tracked: Tracked[] = [];
const setTrackingCallback = GrowthBookClient.prototype.setTrackingCallback;
beforeAll(() => {
  vi.spyOn(GrowthBookClient.prototype, "setTrackingCallback").mockImplementation(function (
    this: GrowthBookClient,
    callback: TrackingCallbackWithUser,
  ) {
    const counted: TrackingCallbackWithUser =
      typeof callback === "function"
        ? (experiment, result, user) => {
            tracked.push({ experiment, result });
            return callback(experiment, result, user);
          }
        : callback;
    setTrackingCallback.call(this, counted);
  });
});
afterAll(() => {
  vi.restoreAllMocks();
});

const users = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `user-${i}` : `ü-${i}-用户`));

describe("exposures are evaluated with the context assign was given", () => {
  const hooked: GrowthBookExposure[] = [];
  const store = new MemoryEventStore();
  const backend = new GrowthBookBackend({
    experiments: EXPERIMENTS,
    store,
    payload: PAYLOAD,
    onExposure: (e) => {
      hooked.push(e);
    },
  });
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  for (const experiment of ["targeted-exp", "company-exp"]) {
    it(`${experiment}: 400 exposures, GrowthBook's tracking callback fires once each with the assigned variant`, async () => {
      tracked.length = 0;
      hooked.length = 0;
      const before = store.all().length;
      const shown: string[] = [];
      for (const [i, userId] of users(400).entries()) {
        const ctx = { userId, attributes: { country: i % 2 ? "US" : "CA", company: `co-${i % 97}` } };
        const variant = backend.assign(experiment, ctx);
        expect(variant.inExperiment).toBe(true);
        shown.push(variant.variantId);
        await backend.recordExposure({
          experiment: variant.experiment,
          variantId: variant.variantId,
          userId,
          timestamp: new Date(1_700_000_000_000 + i),
        });
      }
      expect(tracked).toHaveLength(400);
      expect(tracked.map((t) => t.experiment.key)).toEqual(shown.map(() => experiment));
      expect(tracked.map((t) => t.result.key)).toEqual(shown);
      expect(hooked.map((h) => h.variantId)).toEqual(shown);
      if (experiment === "company-exp") {
        expect(tracked.every((t) => t.result.hashAttribute === "company")).toBe(true);
      }
      const stored = store.all().slice(before);
      expect(stored.map((e) => (e.type === "exposure" ? e.variantId : e.type))).toEqual(shown);
      // every variant of the split is hit, so the test does not pass on one constant variant
      expect(new Set(shown).size).toBe(experiment === "company-exp" ? 3 : 2);
    });
  }

  it("a unit outside the attribute condition is not enrolled, and the newest context of a unit wins", async () => {
    tracked.length = 0;
    const outside = backend.assign("targeted-exp", { userId: "late", attributes: { country: "FR" } });
    expect(outside.inExperiment).toBe(false);
    const inside = backend.assign("targeted-exp", { userId: "late", attributes: { country: "US" } });
    await backend.recordExposure({
      experiment: "targeted-exp",
      variantId: inside.variantId,
      userId: "late",
      timestamp: new Date(1_700_000_000_000),
    });
    expect(tracked.map((t) => t.result.key)).toEqual([inside.variantId]);
  });
});

describe("with no context memory, the record's own attributes", () => {
  const store = new MemoryEventStore();
  const backend = new GrowthBookBackend({
    experiments: EXPERIMENTS,
    store,
    payload: PAYLOAD,
    contextMemory: 0,
  });
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  it("reach GrowthBook; without them GrowthBook does not track, and the store still gets the exposure", async () => {
    tracked.length = 0;
    const attributes = { country: "US", company: "acme" };
    const variant = backend.assign("company-exp", { userId: "u1", attributes });
    const record = {
      experiment: "company-exp",
      variantId: variant.variantId,
      userId: "u1",
      timestamp: new Date(1_700_000_000_000),
    };
    await backend.recordExposure({ ...record, attributes, eventId: "with" });
    expect(tracked.map((t) => t.result.key)).toEqual([variant.variantId]);
    await backend.recordExposure({ ...record, eventId: "without" });
    expect(tracked).toHaveLength(1);
    expect(store.all().map((e) => e.eventId)).toEqual(["with", "without"]);
    await expect(backend.recordExposure({ ...record, attributes: { country: 1 } as never })).rejects.toThrow(
      /context\.attributes\.country must be a string/,
    );
  });

  it("refuses a negative or fractional memory", () => {
    expect(
      () => new GrowthBookBackend({ experiments: EXPERIMENTS, store, payload: PAYLOAD, contextMemory: -1 }),
    ).toThrow(RangeError);
    expect(
      () => new GrowthBookBackend({ experiments: EXPERIMENTS, store, payload: PAYLOAD, contextMemory: 1.5 }),
    ).toThrow(RangeError);
  });
});
