import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatsigBackend } from "../src/index.js";
import { mixedIds, REALISTIC_EXPERIMENTS, REALISTIC_SPECS } from "./realistic.js";
import { closeOffline, exposuresOf, startSink } from "./statsig-sink.js";

const dir = mkdtempSync(join(tmpdir(), "assay-statsig-"));
writeFileSync(join(dir, "statsig.json"), JSON.stringify(REALISTIC_SPECS));
const sink = await startSink();
afterAll(() => closeOffline(sink));

function backendOn(store = new MemoryEventStore(), contextMemory?: number) {
  return new StatsigBackend({
    serverSecret: "secret-exposures",
    specsFile: "statsig.json",
    baseDir: dir,
    logEventUrl: sink.logEventUrl,
    flushIntervalSeconds: 3600,
    experiments: REALISTIC_EXPERIMENTS,
    store,
    ...(contextMemory === undefined ? {} : { contextMemory }),
  });
}

const ruleOf = (experiment: string, variantId: string) => {
  const variants = REALISTIC_EXPERIMENTS.find((e) => e.id === experiment)!.variants.map((v) => v.id);
  return `${experiment}-group-${variants.indexOf(variantId)}`;
};

describe("exposures and outcomes reach Statsig with the context assign was given", () => {
  const store = new MemoryEventStore();
  const backend = backendOn(store);
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  // targeted_banner is behind a gate on country and plan; company_dashboard is randomized by companyID
  for (const experiment of ["targeted_banner", "company_dashboard"]) {
    it(`${experiment}: 400 exposes, 400 of the SDK's own exposure events, outcomes labelled`, async () => {
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
      await backend.flush();
      const exposures = exposuresOf(sink, experiment);
      expect(exposures).toHaveLength(400);
      expect(exposures.map((e) => e.user.userID)).toEqual(users);
      expect(exposures.map((e) => e.metadata?.ruleID)).toEqual(shown.map((v) => ruleOf(experiment, v)));
      expect(exposures.every((e) => e.metadata?.isManualExposure === "true")).toBe(true);
      if (experiment === "targeted_banner") {
        expect(exposures.every((e) => e.user.custom?.plan === "pro")).toBe(true);
      } else {
        expect(exposures.map((e) => e.user.customIDs?.companyID)).toEqual(users.map((_, i) => `co-${i}`));
      }
      const outcomes = sink.events.filter(
        (e) => e.eventName === "purchase" && e.metadata?.experiment === experiment,
      );
      expect(outcomes.map((e) => e.metadata?.group)).toEqual(shown);
      expect(outcomes.map((e) => e.value)).toEqual(users.map((_, i) => i));
      expect(new Set(shown).size).toBe(2);
      const summary = await store.summarize({ experiment });
      expect(summary.variants.reduce((a, v) => a + v.exposedUnits, 0)).toBe(400);
    });
  }

  it("counted every exposure as logged through the SDK", () => {
    expect(backend.exposureStats).toEqual({ logged: 800, untracked: 0 });
  });
});

describe("with no context memory, the records' own attributes", () => {
  const backend = backendOn(new MemoryEventStore(), 0);
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  it("reach the SDK; without them the SDK is not told a group it would not give", async () => {
    const attributes = { country: "US", plan: "pro" };
    const variant = backend.assign("targeted_banner", { userId: "memoryless", attributes });
    expect(variant.inExperiment).toBe(true);
    const record = {
      experiment: "targeted_banner",
      variantId: variant.variantId,
      userId: "memoryless",
      timestamp: new Date(),
    };
    await backend.recordExposure(record);
    expect(backend.exposureStats).toEqual({ logged: 0, untracked: 1 });
    await backend.recordExposure({ ...record, attributes });
    await backend.flush();
    expect(backend.exposureStats).toEqual({ logged: 1, untracked: 1 });
    const logged = exposuresOf(sink, "targeted_banner").filter((e) => e.user.userID === "memoryless");
    expect(logged.map((e) => e.metadata?.ruleID)).toEqual([ruleOf("targeted_banner", variant.variantId)]);
  });
});

describe("close", () => {
  it("flushes the events the SDK still holds", async () => {
    const backend = backendOn();
    await backend.init();
    for (let i = 0; i < 25; i++) {
      await backend.recordOutcome({
        experiment: "checkout_redesign",
        metric: "drained",
        value: { kind: "bool", value: true },
        userId: `drain-${i}`,
        timestamp: new Date(),
      });
    }
    expect(sink.events.filter((e) => e.eventName === "drained")).toHaveLength(0);
    await backend.close();
    const drained = sink.events.filter((e) => e.eventName === "drained");
    expect(drained.map((e) => e.user.userID).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `drain-${i}`).sort(),
    );
    expect(drained.every((e) => e.value === 1)).toBe(true);
  });
});
