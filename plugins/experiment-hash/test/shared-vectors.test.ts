import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { ExperimentDefinition, GrowthBookHashing } from "@assay/core";
import { describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { MemoryEventStore, VECTORS } from "./helpers.js";

const read = (name: string) => JSON.parse(readFileSync(new URL(name, VECTORS), "utf8"));

type GbRunCase = [string, Record<string, unknown>, Record<string, unknown>, unknown, boolean, boolean];
const SUPPORTED = new Set([
  "key",
  "variations",
  "coverage",
  "weights",
  "namespace",
  "filters",
  "ranges",
  "seed",
  "hashVersion",
  "active",
]);

describe("GrowthBook's `run` spec cases through the growthbook mode", () => {
  const cases = (read("growthbook-cases.json").run as GbRunCase[]).filter(([, context, spec]) => {
    const attributes = context.attributes as Record<string, unknown> | undefined;
    const variations = spec.variations as unknown[];
    const weights = spec.weights as number[] | undefined;
    const weightsValid =
      weights === undefined ||
      (weights.length === variations.length &&
        weights.reduce((a, b) => a + b, 0) >= 0.99 &&
        weights.reduce((a, b) => a + b, 0) <= 1.01);
    return (
      Object.keys(context).every((k) => k === "attributes") &&
      typeof attributes?.id === "string" &&
      attributes.id !== "" &&
      Object.keys(spec).every((k) => SUPPORTED.has(k)) &&
      ((spec.filters as { attribute?: string }[] | undefined) ?? []).every(
        (f) => (f.attribute ?? "id") === "id",
      ) &&
      variations.length >= 2 &&
      weightsValid
    );
  });

  it("covers most of the hash-only cases", () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases.map((c) => [c[0], c] as const))("%s", (_name, [, context, spec, value, inExperiment]) => {
    const variations = spec.variations as unknown[];
    const weights = (spec.weights as number[] | undefined) ?? variations.map(() => 1 / variations.length);
    const hashing: GrowthBookHashing = {
      mode: "growthbook",
      version: spec.hashVersion === 2 ? 2 : 1,
      seed: (spec.seed as string | undefined) || (spec.key as string),
      ...(spec.ranges ? { ranges: spec.ranges as [number, number][] } : {}),
      ...(Array.isArray(spec.namespace)
        ? {
            namespace: {
              id: spec.namespace[0] as string,
              start: spec.namespace[1] as number,
              end: spec.namespace[2] as number,
            },
          }
        : {}),
      ...(spec.filters
        ? {
            filters: (
              spec.filters as { seed: string; ranges: [number, number][]; hashVersion?: number }[]
            ).map((f) => ({
              seed: f.seed,
              ranges: f.ranges,
              version: f.hashVersion === 1 ? (1 as const) : (2 as const),
            })),
          }
        : {}),
    };
    const definition: ExperimentDefinition = {
      id: "x",
      variants: variations.map((_, i) => ({ id: String(i), weight: weights[i]!, isControl: i === 0 })),
      unit: "user",
      traffic: spec.coverage === undefined ? 1 : Math.min(1, Math.max(0, spec.coverage as number)),
      enabled: spec.active !== false,
      hashing,
    };
    const backend = new HashExperimentBackend({ experiments: [definition], store: new MemoryEventStore() });
    const id = (context.attributes as { id: string }).id;
    const v = backend.assign("x", { userId: id, attributes: {} });
    expect(v.inExperiment).toBe(inExperiment);
    if (inExperiment) expect(isDeepStrictEqual(variations[Number(v.variantId)], value)).toBe(true);
  });
});

describe("PostHog's consistency vectors (1,000 distinct ids) through the posthog mode", () => {
  const vectors = read("posthog-consistency.json") as {
    flags: {
      key: string;
      filters: {
        groups: { rollout_percentage: number }[];
        multivariate?: { variants: { key: string; rollout_percentage: number }[] };
      };
    }[];
    expected: Record<string, (string | boolean)[]>;
  };
  const ids = Array.from({ length: 1000 }, (_, i) => `distinct_id_${i}`);

  for (const flag of vectors.flags) {
    it(`${flag.key}: every id as posthog-node`, () => {
      const variants = flag.filters.multivariate?.variants ?? [
        { key: "on", rollout_percentage: 50 },
        { key: "also-on", rollout_percentage: 50 },
      ];
      const backend = new HashExperimentBackend({
        store: new MemoryEventStore(),
        experiments: [
          {
            id: flag.key,
            variants: variants.map((v, i) => ({
              id: v.key,
              weight: v.rollout_percentage,
              isControl: i === 0,
            })),
            unit: "user",
            traffic: flag.filters.groups[0]!.rollout_percentage / 100,
            enabled: true,
            hashing: { mode: "posthog", key: flag.key },
          },
        ],
      });
      const expected = vectors.expected[flag.key]!;
      expect(expected).toHaveLength(1000);
      ids.forEach((id, i) => {
        const v = backend.assign(flag.key, { userId: id, attributes: {} });
        const got = v.inExperiment ? (flag.filters.multivariate ? v.variantId : true) : false;
        expect(got, id).toBe(expected[i]);
      });
    });
  }
});

describe("Unleash client specification through the unleash mode", () => {
  interface Strategy {
    name: string;
    parameters?: Record<string, string>;
    constraints?: unknown[];
  }
  interface Feature {
    name: string;
    enabled: boolean;
    strategies: Strategy[];
    variants?: { name: string; weight: number; overrides?: unknown[]; stickiness?: string }[];
  }
  const backendFor = (
    feature: Feature,
    unit: string,
    traffic: number,
    groupId: string,
    variants: { name: string; weight: number }[],
  ) =>
    new HashExperimentBackend({
      store: new MemoryEventStore(),
      experiments: [
        {
          id: feature.name,
          variants: variants.map((v, i) => ({ id: v.name, weight: v.weight, isControl: i === 0 })),
          unit,
          traffic,
          enabled: feature.enabled,
          hashing: { mode: "unleash", groupId, variantGroupId: feature.name },
        },
      ],
    });

  it("10-flexible-rollout-strategy: enabled exactly for the ids the spec lists (user and session stickiness)", () => {
    const spec = read("unleash/10-flexible-rollout-strategy.json") as {
      state: { features: Feature[] };
      tests: { context: Record<string, string>; toggleName: string; expectedResult: boolean }[];
    };
    let checked = 0;
    for (const test of spec.tests) {
      const feature = spec.state.features.find((f) => f.name === test.toggleName);
      const strategy = feature?.strategies[0];
      if (
        feature?.strategies.length !== 1 ||
        strategy?.name !== "flexibleRollout" ||
        strategy.constraints?.length
      ) {
        continue;
      }
      const stickiness = strategy.parameters?.stickiness ?? "default";
      const field = stickiness === "default" ? "userId" : stickiness;
      if (!["userId", "sessionId"].includes(field) || !test.context[field]) continue;
      const unit = field === "userId" ? "user" : "session";
      const backend = backendFor(
        feature,
        unit,
        Number(strategy.parameters?.rollout) / 100,
        strategy.parameters?.groupId ?? feature.name,
        [
          { name: "on", weight: 1 },
          { name: "on-too", weight: 1 },
        ],
      );
      const v = backend.assign(feature.name, {
        userId: test.context.userId,
        sessionId: test.context.sessionId,
        attributes: {},
      } as never);
      expect(v.inExperiment, `${test.toggleName} ${JSON.stringify(test.context)}`).toBe(test.expectedResult);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it("08-variants: the variant the spec expects for every user of a feature-level variant set", () => {
    const spec = read("unleash/08-variants.json") as {
      state: { features: Feature[] };
      variantTests: {
        context: Record<string, string>;
        toggleName: string;
        expectedResult: { name: string; enabled: boolean };
      }[];
    };
    let checked = 0;
    for (const test of spec.variantTests) {
      const feature = spec.state.features.find((f) => f.name === test.toggleName);
      const variants = (feature?.variants ?? []).filter((v) => v.weight > 0);
      const hashOnly =
        feature?.enabled &&
        feature.strategies.every((s) => s.name === "default") &&
        variants.length >= 2 &&
        variants.every((v) => !v.overrides?.length && (v.stickiness ?? "default") === "default");
      if (!hashOnly || !test.context.userId) continue;
      const backend = backendFor(feature, "user", 1, feature.name, variants);
      const v = backend.assign(feature.name, { userId: test.context.userId, attributes: {} });
      expect(v.variantId, `${test.toggleName} ${test.context.userId}`).toBe(test.expectedResult.name);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
