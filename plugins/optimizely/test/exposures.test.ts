import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { OptimizelyBackend } from "../src/index.js";
import { RecordingDispatcher } from "./dispatcher.js";
import { EXPERIMENT_IDS, mixedIds, REALISTIC_DATAFILE, REALISTIC_EXPERIMENTS } from "./realistic.js";

const dir = mkdtempSync(join(tmpdir(), "assay-optimizely-"));
writeFileSync(join(dir, "datafile.json"), JSON.stringify(REALISTIC_DATAFILE));

function backendOn(
  dispatcher: RecordingDispatcher,
  extra: Partial<ConstructorParameters<typeof OptimizelyBackend>[0]> = {},
) {
  const store = new MemoryEventStore();
  const backend = new OptimizelyBackend({
    datafileFile: "datafile.json",
    baseDir: dir,
    eventDispatcher: dispatcher,
    batchSize: 10_000,
    flushIntervalSeconds: 3600,
    experiments: REALISTIC_EXPERIMENTS,
    store,
    ...extra,
  });
  return { backend, store };
}

describe("exposures and outcomes reach Optimizely with the context assign was given", () => {
  // targeted_banner is behind an audience on country and plan; company_dashboard is bucketed by company
  for (const experiment of ["targeted_banner", "company_dashboard"]) {
    it(`${experiment}: 400 exposes, 400 impressions from the SDK's activate, 400 conversions`, async () => {
      const dispatcher = new RecordingDispatcher();
      const { backend, store } = backendOn(dispatcher);
      await backend.init();
      const users = mixedIds(400).map((id) => `${experiment}-${id}`);
      const shown: string[] = [];
      for (const [i, userId] of users.entries()) {
        const attributes = { country: i % 2 ? "US" : "CA", plan: "pro", company: `co-${i}` };
        const variant = backend.assign(experiment, { userId, attributes });
        expect(variant.inExperiment).toBe(true);
        shown.push(variant.variantId);
        const timestamp = new Date();
        // the records name only the unit: the attributes come from what assign was given
        await backend.recordExposure({ experiment, variantId: variant.variantId, userId, timestamp });
        await backend.recordOutcome({
          experiment,
          metric: "purchase",
          value: { kind: "numeric", value: i },
          userId,
          timestamp,
        });
      }
      expect(dispatcher.batches).toHaveLength(0); // batched until close
      await backend.close();
      const impressions = dispatcher.impressionsOf(EXPERIMENT_IDS[experiment]!);
      expect(impressions).toHaveLength(400);
      expect(impressions.map((e) => e.visitorId)).toEqual(users);
      expect(impressions.map((e) => e.decision?.variationKey)).toEqual(shown);
      if (experiment === "targeted_banner") {
        expect(impressions.every((e) => e.attributes.plan === "pro")).toBe(true);
      } else {
        expect(impressions.map((e) => e.attributes.company)).toEqual(users.map((_, i) => `co-${i}`));
      }
      const conversions = dispatcher.events.filter((e) => e.key === "purchase");
      expect(conversions.map((e) => e.visitorId)).toEqual(users);
      expect(conversions.map((e) => e.tags.value)).toEqual(users.map((_, i) => i));
      expect(new Set(shown).size).toBe(2);
      expect(backend.eventStats).toEqual({
        impressions: 400,
        untrackedExposures: 0,
        conversions: 400,
        untrackedOutcomes: 0,
      });
      const summary = await store.summarize({ experiment });
      expect(summary.variants.reduce((a, v) => a + v.exposedUnits, 0)).toBe(400);
    });
  }
});

describe("what Optimizely is not told", () => {
  it("an exposure the SDK cannot reproduce, a forced user, a metric that is no event key", async () => {
    const dispatcher = new RecordingDispatcher();
    const { backend, store } = backendOn(dispatcher, {
      contextMemory: 0,
      eventKeys: { checkout: "purchase" },
    });
    await backend.init();
    const attributes = { country: "US", plan: "pro" };
    const variant = backend.assign("targeted_banner", { userId: "memoryless", attributes });
    expect(variant.inExperiment).toBe(true);
    const base = { experiment: "targeted_banner", userId: "memoryless", timestamp: new Date() };
    await backend.recordExposure({ ...base, variantId: variant.variantId }); // no context: the audience fails
    await backend.recordExposure({ ...base, variantId: variant.variantId, attributes });
    const forced = backend.assign("targeted_banner", { userId: "qa-alice", attributes });
    expect(forced).toMatchObject({ variantId: "control", inExperiment: false, reason: "targeting" });
    await backend.recordExposure({ ...base, userId: "qa-alice", variantId: "banner", attributes });
    const outcome = { ...base, value: { kind: "bool" as const, value: true }, attributes };
    await backend.recordOutcome({ ...outcome, metric: "signup" }); // not in the datafile
    await backend.recordOutcome({ ...outcome, metric: "checkout" }); // mapped to purchase
    await backend.close();
    expect(backend.eventStats).toEqual({
      impressions: 1,
      untrackedExposures: 2,
      conversions: 1,
      untrackedOutcomes: 1,
    });
    expect(dispatcher.impressionsOf(EXPERIMENT_IDS.targeted_banner!).map((e) => e.visitorId)).toEqual([
      "memoryless",
    ]);
    expect(dispatcher.events.filter((e) => e.key !== "campaign_activated").map((e) => e.key)).toEqual([
      "purchase",
    ]);
    // Assay's store has everything it was given
    const summary = await store.summarize({ experiment: "targeted_banner" });
    expect(summary.variants.reduce((a, v) => a + v.exposures, 0)).toBe(3);
  });
});
