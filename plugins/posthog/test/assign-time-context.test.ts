import { type ExperimentDefinition, MemoryEventStore } from "@assay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostHogBackend } from "../src/index.js";
import { type Flag, fakePostHog, type Seen } from "./harness.js";

/**
 * Two flags PostHog can only evaluate with the attributes `assign` was given: one behind a person-property
 * condition (`country` in US, CA), one a group flag bucketed by the `company` group key. Before the fix the
 * adapter sent exposures without them (posthog-node could not evaluate the flag, so the adapter sent its own
 * stand-in event) and labelled outcomes `variant: null, $feature/<key>: null`.
 */
const FLAGS: Flag[] = [
  {
    id: 11,
    key: "targeted",
    version: 2,
    active: true,
    filters: {
      groups: [
        {
          properties: [{ key: "country", value: ["US", "CA"], operator: "exact", type: "person" }],
          rollout_percentage: 100,
        },
      ],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 50 },
          { key: "treatment", rollout_percentage: 50 },
        ],
      },
    },
  },
  {
    id: 12,
    key: "by-company",
    active: true,
    filters: {
      aggregation_group_type_index: 0,
      groups: [{ properties: [], rollout_percentage: 100 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 20 },
          { key: "two", rollout_percentage: 30 },
          { key: "three", rollout_percentage: 50 },
        ],
      },
    },
  },
];

const definition = (id: string, variants: string[], unit: string): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});

const EXPERIMENTS = [
  definition("targeted", ["control", "treatment"], "user"),
  definition("by-company", ["control", "two", "three"], "company"),
];

const users = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `user-${i}` : `ü-${i}-用户`));

function backendOn(seen: { fetch: ReturnType<typeof fakePostHog>["fetch"] }, contextMemory?: number) {
  return new PostHogBackend({
    projectApiKey: "phc_test",
    personalApiKey: "phx_test",
    host: "http://posthog.invalid",
    experiments: EXPERIMENTS,
    store: new MemoryEventStore(),
    flushAt: 100_000,
    flushIntervalSeconds: 3600,
    pollingIntervalSeconds: 3600,
    fetch: seen.fetch,
    ...(contextMemory === undefined ? {} : { contextMemory }),
  });
}

const flagCalls = (seen: Seen, key: string) =>
  seen.events.filter((e) => e.event === "$feature_flag_called" && e.properties.$feature_flag === key);

describe("exposures and outcomes reach PostHog with the context assign was given", () => {
  const fake = fakePostHog(() => FLAGS, { "0": "company" });
  const backend = backendOn(fake);
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  for (const experiment of ["targeted", "by-company"]) {
    it(`${experiment}: 400 exposures, one $feature_flag_called each from posthog-node's own evaluation, outcomes labelled`, async () => {
      const shown: string[] = [];
      const distinct: string[] = [];
      for (const [i, userId] of users(400).entries()) {
        const ctx = { userId, attributes: { country: i % 2 ? "US" : "CA", company: `co-${i % 97}` } };
        const variant = backend.assign(experiment, ctx);
        expect(variant.inExperiment).toBe(true);
        shown.push(variant.variantId);
        distinct.push(userId);
        const timestamp = new Date(1_700_000_000_000 + i);
        await backend.recordExposure({ experiment, variantId: variant.variantId, userId, timestamp });
        await backend.recordOutcome({
          experiment,
          metric: "purchase",
          value: { kind: "bool", value: true },
          userId,
          timestamp,
        });
      }
      await backend.flush();
      const calls = flagCalls(fake.seen, experiment);
      expect(calls).toHaveLength(400);
      expect(calls.map((e) => e.distinct_id)).toEqual(distinct);
      expect(calls.map((e) => e.properties.$feature_flag_response)).toEqual(shown);
      // `$feature_flag_reason` is set by posthog-node's evaluation, never by the adapter's stand-in event
      expect(calls.every((e) => typeof e.properties.$feature_flag_reason === "string")).toBe(true);
      if (experiment === "by-company") {
        expect(calls.map((e) => (e.properties.$groups as Record<string, string>)?.company)).toEqual(
          users(400).map((_, i) => `co-${i % 97}`),
        );
      }
      const outcomes = fake.seen.events.filter(
        (e) => e.event === "purchase" && e.properties.experiment === experiment,
      );
      expect(outcomes.map((e) => e.properties.variant)).toEqual(shown);
      expect(outcomes.map((e) => e.properties[`$feature/${experiment}`])).toEqual(shown);
      expect(new Set(shown).size).toBe(experiment === "by-company" ? 3 : 2);
    });
  }
});

describe("with no context memory, the records' own attributes", () => {
  const fake = fakePostHog(() => FLAGS, { "0": "company" });
  const backend = backendOn(fake, 0);
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  it("reach posthog-node; without them the outcome is not labelled and the exposure is the stand-in", async () => {
    const attributes = { country: "US" };
    const variant = backend.assign("targeted", { userId: "u1", attributes });
    expect(variant.inExperiment).toBe(true);
    const base = { experiment: "targeted", userId: "u1", timestamp: new Date(1_700_000_000_000) };
    const outcome = { ...base, metric: "m", value: { kind: "bool" as const, value: true } };
    await backend.recordExposure({ ...base, variantId: variant.variantId, attributes });
    await backend.recordOutcome({ ...outcome, attributes });
    await backend.recordOutcome(outcome);
    await backend.flush();
    const [call] = flagCalls(fake.seen, "targeted");
    expect(call?.properties).toMatchObject({ $feature_flag_response: variant.variantId });
    expect(typeof call?.properties.$feature_flag_reason).toBe("string");
    const labels = fake.seen.events.filter((e) => e.event === "m").map((e) => e.properties.variant);
    expect(labels).toEqual([variant.variantId, null]);
  });
});
