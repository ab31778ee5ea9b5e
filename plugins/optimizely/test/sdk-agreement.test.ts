import { MemoryEventStore } from "@assay/core";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptimizelyBackend } from "../src/index.js";
import { RecordingDispatcher } from "./dispatcher.js";
import { mixedIds, REALISTIC_DATAFILE, REALISTIC_EXPERIMENTS } from "./realistic.js";

/**
 * The adapter against the SDK used directly: a second Optimizely instance on the same datafile (no event
 * processor: it sends nothing) is asked for every id's variation. Enrolled exactly when Optimizely buckets the
 * unit, in the same variation; the forced QA user is served as `targeting`, not enrolled.
 */
describe("assign agrees with @optimizely/optimizely-sdk's own getVariation on 10,000 ids", () => {
  const dispatcher = new RecordingDispatcher();
  const backend = new OptimizelyBackend({
    datafile: REALISTIC_DATAFILE,
    eventDispatcher: dispatcher,
    experiments: REALISTIC_EXPERIMENTS,
    store: new MemoryEventStore(),
  });
  const oracle = createInstance({
    projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(REALISTIC_DATAFILE) }),
  });
  beforeAll(async () => {
    await backend.init();
    await oracle.onReady();
  });
  afterAll(async () => {
    await backend.close();
    await oracle.close();
  });
  const ids = [...mixedIds(9_999), "qa-alice"];
  const attributesOf = (i: number) => ({
    country: ["US", "CA", "FR", "DE"][i % 4]!,
    plan: i % 3 === 0 ? "free" : "pro",
    company: `acme-${i % 1_000}`,
  });
  const expectedShare: Record<string, [number, number]> = {
    checkout_redesign: [9_300, 9_700], // a 5% allocation gap
    pricing_rollout: [3_700, 4_300],
    targeted_banner: [3_100, 3_600], // half the countries, two thirds on pro
    company_dashboard: [10_000, 10_000],
    search_ranking: [4_700, 5_300], // 50% of the group
    search_filters: [2_700, 3_300], // 30% of the group
  };

  for (const experiment of REALISTIC_EXPERIMENTS) {
    it(`${experiment.id}: same variation for every id`, () => {
      const enrolled = new Map<string, number>();
      const byCompany = new Map<string, string>();
      for (const [i, id] of ids.entries()) {
        const attributes = attributesOf(i);
        const variant = backend.assign(experiment.id, { userId: id, attributes });
        const { company, ...audience } = attributes;
        const sdkAttributes =
          experiment.unit === "company"
            ? { ...attributes, $opt_bucketing_id: company }
            : { ...audience, company };
        const key = oracle.getVariation(experiment.id, id, sdkAttributes);
        const forced = id === "qa-alice" && experiment.id === "targeted_banner";
        expect({ id, variantId: variant.variantId, inExperiment: variant.inExperiment }).toEqual({
          id,
          variantId: forced ? "control" : (key ?? "control"),
          inExperiment: key !== null && !forced,
        });
        if (forced) expect(variant.reason).toBe("targeting");
        if (variant.inExperiment) enrolled.set(variant.variantId, (enrolled.get(variant.variantId) ?? 0) + 1);
        if (experiment.unit === "company") {
          // bucketed by company: every user of one company sees the same variation
          expect(byCompany.get(company) ?? variant.variantId).toBe(variant.variantId);
          byCompany.set(company, variant.variantId);
        }
      }
      const total = [...enrolled.values()].reduce((a, n) => a + n, 0);
      const [low, high] = expectedShare[experiment.id]!;
      expect(total).toBeGreaterThanOrEqual(low);
      expect(total).toBeLessThanOrEqual(high);
      expect(enrolled.size).toBe(experiment.variants.length);
    });
  }

  it("keeps the group's experiments apart: no id is in both", () => {
    for (const [i, id] of ids.entries()) {
      const ctx = { userId: id, attributes: attributesOf(i) };
      const both = ["search_ranking", "search_filters"].every((e) => backend.assign(e, ctx).inExperiment);
      expect(both).toBe(false);
    }
  });

  it("assigning sent nothing", async () => {
    await backend.flush();
    expect(dispatcher.batches).toHaveLength(0);
  });
});
