import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { murmur3Utf8, unleash } from "../../src/index.js";
import { hasNonAscii, randomIds, readVector } from "./helpers.js";

type Spec = {
  name: string;
  state: { features: unleash.FeatureDefinition[] };
  tests?: { description: string; context: unleash.Context; toggleName: string; expectedResult: boolean }[];
  variantTests?: {
    description: string;
    context: unleash.Context;
    toggleName: string;
    expectedResult: unleash.VariantResult;
  }[];
};

type Constraint = { contextName: string; operator: string; values: string[]; inverted?: boolean };

/** The spec files only use IN / NOT_IN constraints; targeting is not bucketing, so the test decides them. */
const constraints: unleash.ConstraintMatcher = (strategy, context) =>
  ((strategy.constraints ?? []) as Constraint[]).every((c) => {
    const value = unleash.resolveContextValue(context, c.contextName);
    let ok: boolean;
    if (c.operator === "IN") ok = value !== undefined && c.values.includes(value);
    else if (c.operator === "NOT_IN") ok = value === undefined || !c.values.includes(value);
    else throw new Error(`constraint operator ${c.operator} not used by the spec files`);
    return c.inverted ? !ok : ok;
  });

describe("Unleash vectors", () => {
  it("normalizedValue from the SDK's tests (same across node, java and go clients)", () => {
    expect(unleash.normalizedStrategyValue("123", "gr1")).toBe(73);
    expect(unleash.normalizedStrategyValue("999", "groupX")).toBe(25);
  });

  it("the Node SDK hashes low bytes of UTF-16 code units, not UTF-8", () => {
    expect(unleash.murmur3("user:Jørgen", 0)).toBe(4009276681);
    expect(murmur3Utf8("user:Jørgen", 0)).toBe(4032802330);
    expect(unleash.murmur3("user:ascii-only", 7)).toBe(murmur3Utf8("user:ascii-only", 7));
    // code units that share a low byte hash alike: "ø" (U+00F8) and "ϸ" (U+03F8)
    expect(unleash.murmur3("ø", 0)).toBe(unleash.murmur3("ϸ", 0));
  });

  const files = [
    "08-variants.json",
    "10-flexible-rollout-strategy.json",
    "12-custom-stickiness.json",
    "16-strategy-variants.json",
    "18-utf8-flag-names.json",
  ];
  for (const file of files) {
    const spec = readVector<Spec>(`unleash/${file}`);
    const byName = new Map(spec.state.features.map((f) => [f.name, f]));
    const count = (spec.tests?.length ?? 0) + (spec.variantTests?.length ?? 0);
    it(`client specification ${file}: all ${count} cases`, () => {
      expect(count).toBeGreaterThan(0);
      for (const t of spec.tests ?? []) {
        const got = unleash.evaluateFeature(byName.get(t.toggleName), t.context, { constraints });
        expect(got.enabled, t.description).toBe(t.expectedResult);
      }
      for (const t of spec.variantTests ?? []) {
        const got = unleash.evaluateFeature(byName.get(t.toggleName), t.context, { constraints });
        expect(got.variant, t.description).toEqual(t.expectedResult);
      }
    });
  }

  it("variant walk: weight-0 variants are skipped, counter >= target picks", () => {
    const variants = [
      { name: "zero", weight: 0 },
      { name: "a", weight: 1 },
      { name: "b", weight: 999 },
    ];
    for (const id of randomIds(500, 11)) {
      const target = unleash.normalizedVariantValue(id, "g", 1000);
      const got = unleash.selectVariantDefinition("g", "default", variants, { userId: id });
      expect(got?.name).toBe(target <= 1 ? "a" : "b");
    }
  });
});

const features: unleash.FeatureDefinition[] = [
  {
    name: "rollout-37",
    enabled: true,
    strategies: [
      { name: "flexibleRollout", parameters: { rollout: "37", stickiness: "default", groupId: "grp-37" } },
    ],
  },
  {
    name: "rollout-no-group",
    enabled: true,
    strategies: [{ name: "flexibleRollout", parameters: { rollout: "50", stickiness: "userId" } }],
  },
  {
    name: "rollout-tenant",
    enabled: true,
    strategies: [
      { name: "flexibleRollout", parameters: { rollout: "25", stickiness: "tenant", groupId: "tenants" } },
    ],
  },
  {
    name: "gradual-user",
    enabled: true,
    strategies: [{ name: "gradualRolloutUserId", parameters: { percentage: "60", groupId: "g" } }],
  },
  {
    name: "variants-1000",
    enabled: true,
    strategies: [{ name: "default", parameters: {} }],
    variants: [
      { name: "v-100", weight: 100, stickiness: "default" },
      { name: "v-200", weight: 200, stickiness: "default" },
      { name: "v-zero", weight: 0, stickiness: "default" },
      { name: "v-700", weight: 700, stickiness: "default" },
    ],
  },
  {
    name: "variants-odd-total",
    enabled: true,
    strategies: [
      { name: "flexibleRollout", parameters: { rollout: "80", stickiness: "default", groupId: "odd" } },
    ],
    variants: [
      { name: "one", weight: 1, stickiness: "userId" },
      { name: "two", weight: 2, stickiness: "userId" },
      { name: "three", weight: 3, stickiness: "userId" },
    ],
  },
  {
    name: "strategy-variants",
    enabled: true,
    strategies: [
      {
        name: "flexibleRollout",
        parameters: { rollout: "90", stickiness: "tenant", groupId: "sv" },
        variants: [
          { name: "s-a", weight: 333 },
          { name: "s-b", weight: 333 },
          { name: "s-c", weight: 334 },
        ],
      },
    ],
    variants: [{ name: "feature-level", weight: 1000 }],
  },
  {
    // strategy variants without a group id: the SDK hashes "undefined:<id>"
    name: "strategy-variants-no-group",
    enabled: true,
    strategies: [
      {
        name: "flexibleRollout",
        parameters: { rollout: "100", stickiness: "default" },
        variants: [
          { name: "n-a", weight: 500 },
          { name: "n-b", weight: 500 },
        ],
      },
    ],
  },
  {
    name: "overrides",
    enabled: true,
    strategies: [],
    variants: [
      { name: "ctl", weight: 500, overrides: [{ contextName: "tenant", values: ["t-override"] }] },
      { name: "trt", weight: 500 },
    ],
  },
];

describe("unleash-client as the oracle (10,000 random ids, ASCII and non-ASCII)", () => {
  let client: Unleash;

  beforeAll(async () => {
    // bootstrap only: refreshInterval 0 never polls, metrics are off, storage is in memory
    client = new Unleash({
      appName: "assay-hashing-test",
      url: "http://unleash.invalid/api/",
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: features as never },
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  });

  afterAll(() => {
    client.destroy();
  });

  it("isEnabled and getVariant for every feature and id", () => {
    const ids = randomIds(10000, 8086);
    const tenants = randomIds(10000, 4711);
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(4000);
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < ids.length; i++) {
      const context: unleash.Context = {
        userId: ids[i]!,
        ...(i % 3 === 0 ? { sessionId: `s-${i}` } : {}),
        properties: { tenant: i % 50 === 0 ? "t-override" : tenants[i]! },
      };
      for (const feature of features) {
        const enabled = client.isEnabled(feature.name, context as never);
        const variant = client.getVariant(feature.name, context as never);
        const got = unleash.evaluateFeature(feature, context);
        expect(got.enabled, `${feature.name} ${ids[i]}`).toBe(enabled);
        expect(
          {
            name: got.variant.name,
            enabled: got.variant.enabled,
            feature_enabled: got.variant.feature_enabled,
          },
          `${feature.name} ${ids[i]}`,
        ).toEqual({ name: variant.name, enabled: variant.enabled, feature_enabled: variant.feature_enabled });
        const values = seen.get(feature.name) ?? new Set();
        values.add(`${got.enabled}/${got.variant.name}`);
        seen.set(feature.name, values);
      }
    }
    expect(seen.get("rollout-37")).toEqual(new Set(["true/disabled", "false/disabled"]));
    expect(seen.get("rollout-no-group")).toEqual(new Set(["true/disabled", "false/disabled"]));
    expect(seen.get("variants-1000")).toEqual(new Set(["true/v-100", "true/v-200", "true/v-700"]));
    expect(seen.get("variants-odd-total")).toEqual(
      new Set(["true/one", "true/two", "true/three", "false/disabled"]),
    );
    expect(seen.get("strategy-variants")).toEqual(
      new Set(["true/s-a", "true/s-b", "true/s-c", "false/disabled"]),
    );
    expect(seen.get("overrides")).toEqual(new Set(["true/ctl", "true/trt"]));
    expect(seen.get("strategy-variants-no-group")).toEqual(new Set(["true/n-a", "true/n-b"]));
  });
});
