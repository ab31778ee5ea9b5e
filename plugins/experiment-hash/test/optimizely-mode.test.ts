import type { ExperimentDefinition, OptimizelyHashing } from "@assay/core";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { MemoryEventStore, randomIds } from "./helpers.js";

/**
 * A random group of two experiments (the group leaves a tenth to nobody), one of which has a gap between its
 * variations and a variation in two ranges, and an allowlisted user: the datafile as the SDK reads it, and the
 * same experiments as manifest definitions in the optimizely mode.
 */
const variation = (id: string, key: string) => ({ id, key, variables: [] });
const datafile = {
  version: "4",
  projectId: "1",
  accountId: "1",
  revision: "1",
  anonymizeIP: false,
  botFiltering: false,
  attributes: [],
  audiences: [],
  events: [],
  featureFlags: [],
  rollouts: [],
  experiments: [],
  groups: [
    {
      id: "7001",
      policy: "random",
      trafficAllocation: [
        { entityId: "801", endOfRange: 3500 },
        { entityId: "", endOfRange: 4500 },
        { entityId: "802", endOfRange: 9000 },
      ],
      experiments: [
        {
          id: "801",
          key: "split",
          status: "Running",
          layerId: "l801",
          audienceIds: [],
          forcedVariations: { "qa-b": "b" },
          variations: [variation("8011", "a"), variation("8012", "b")],
          trafficAllocation: [
            { entityId: "8011", endOfRange: 2000 },
            { entityId: "", endOfRange: 4000 },
            { entityId: "8012", endOfRange: 7000 },
            { entityId: "8011", endOfRange: 9500 },
          ],
        },
        {
          id: "802",
          key: "other",
          status: "Running",
          layerId: "l802",
          audienceIds: [],
          forcedVariations: {},
          variations: [variation("8021", "a"), variation("8022", "b")],
          trafficAllocation: [
            { entityId: "8021", endOfRange: 5000 },
            { entityId: "8022", endOfRange: 10000 },
          ],
        },
      ],
    },
  ],
};
const group = {
  id: "7001",
  allocation: [{ experiment: "801", end: 3500 }, { end: 4500 }, { experiment: "802", end: 9000 }],
};
const definition = (id: string, hashing: OptimizelyHashing, weights: number[]): ExperimentDefinition => ({
  id,
  variants: [
    { id: "a", weight: weights[0]!, isControl: true },
    { id: "b", weight: weights[1]!, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
  hashing,
});
const backend = new HashExperimentBackend({
  store: new MemoryEventStore(),
  experiments: [
    definition(
      "split",
      {
        mode: "optimizely",
        experimentId: "801",
        bucketingId: "opt_bucketing_id",
        allocation: [
          { variant: "a", end: 2000 },
          { end: 4000 },
          { variant: "b", end: 7000 },
          { variant: "a", end: 9500 },
        ],
        group,
        allowlist: { b: ["qa-b"] },
      },
      [4500, 3000],
    ),
    definition(
      "other",
      {
        mode: "optimizely",
        experimentId: "802",
        bucketingId: "opt_bucketing_id",
        ends: [5000, 10000],
        group,
      },
      [1, 1],
    ),
  ],
});

describe("optimizely mode: random groups, gaps, a variant in two ranges, the allowlist", () => {
  let client: ReturnType<typeof createInstance>;
  beforeAll(async () => {
    client = createInstance({
      projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(datafile) }),
    });
    await client.onReady({ timeout: 5000 });
  });
  afterAll(async () => {
    await client.close();
  });

  it("20,000 ids (half non-ASCII), a seventh with a bucketing id: variant and enrolment as getVariation", () => {
    const ids = [...randomIds(20_000, 2718), "qa-b"];
    const enrolled = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const bucketing = i % 7 === 0 ? `b${ids[(i + 3) % ids.length]}` : undefined;
      for (const key of ["split", "other"]) {
        const expected = client.getVariation(key, id, bucketing ? { $opt_bucketing_id: bucketing } : {});
        const v = backend.assign(key, {
          userId: id,
          attributes: bucketing ? { opt_bucketing_id: bucketing } : {},
        });
        const got = v.inExperiment ? v.variantId : null;
        if (got !== expected) expect({ id, key, got }).toEqual({ id, key, got: expected });
        if (got !== null) enrolled.set(key, (enrolled.get(key) ?? 0) + 1);
      }
    }
    // the group gives "split" 35 % and its allocation serves 75 % of those: about 5,250 of 20,000
    expect(enrolled.get("split")).toBeGreaterThan(4500);
    expect(enrolled.get("split")).toBeLessThan(6000);
    expect(enrolled.get("other")).toBeGreaterThan(8000);
    expect(backend.assign("split", { userId: "qa-b", attributes: {} })).toMatchObject({
      variantId: "b",
      inExperiment: true,
    });
  });

  it("refuses an allocation or allowlist naming an undeclared variant", () => {
    const bad = (hashing: OptimizelyHashing) => () =>
      new HashExperimentBackend({
        store: new MemoryEventStore(),
        experiments: [definition("x", hashing, [1, 1])],
      });
    expect(bad({ mode: "optimizely", experimentId: "1", allocation: [{ variant: "c", end: 10 }] })).toThrow(
      /hashing.allocation names "c", not a variant/,
    );
    expect(bad({ mode: "optimizely", experimentId: "1", allowlist: { c: ["u"] } })).toThrow(
      /hashing.allowlist names "c"/,
    );
  });
});
