import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unleash } from "../../src/index.js";
import { randomIds } from "./helpers.js";

const v = (name: string, weight: number, stickiness = "default") => ({ name, weight, stickiness });
const flexible = (rollout: number, extra: Record<string, unknown> = {}, variants: unknown[] = []) => ({
  name: "flexibleRollout",
  parameters: { rollout: String(rollout), stickiness: "default", ...extra },
  variants,
});
// the corners of the SDK's order: strategy variants weighing 0 fall back to the toggle's, a strategy without
// variants on a toggle without any serves none, an empty list enables everyone, rollouts 0 and 100, random
const features = [
  {
    name: "zero-weights",
    enabled: true,
    strategies: [flexible(60, { groupId: "z" }, [v("a", 0), v("b", 0)])],
    variants: [v("a", 300), v("b", 700)],
  },
  { name: "no-variants-anywhere", enabled: true, strategies: [flexible(40, { groupId: "n" })], variants: [] },
  { name: "empty-list", enabled: true, strategies: [], variants: [v("a", 500), v("b", 500)] },
  {
    name: "zero-then-full",
    enabled: true,
    strategies: [
      flexible(0, { groupId: "x" }, [v("a", 1000)]),
      { name: "gradualRolloutRandom", parameters: { percentage: "100" } },
    ],
    variants: [v("a", 250), v("b", 750)],
  },
];
// the same toggles as plans (variant indexes: a = 0, b = 1)
const pv = (weights: number[], groupId: string) => ({
  groupId,
  stickiness: "default",
  variants: weights.map((weight, index) => ({ index, weight })),
});
const plans: Record<string, unleash.FeaturePlan> = {
  "zero-weights": {
    strategies: [
      { enabled: true, rollout: 60, groupId: "z", stickiness: "default", variants: pv([0, 0], "z") },
    ],
    variants: pv([300, 700], "zero-weights"),
  },
  "no-variants-anywhere": {
    strategies: [{ enabled: true, rollout: 40, groupId: "n", stickiness: "default" }],
  },
  "empty-list": { strategies: [], variants: pv([500, 500], "empty-list") },
  "zero-then-full": {
    strategies: [
      { enabled: true, rollout: 0, groupId: "x", stickiness: "default", variants: pv([1000, 0], "x") },
      { enabled: true, rollout: 100, groupId: "", stickiness: "random" },
    ],
    variants: pv([250, 750], "zero-then-full"),
  },
};

describe("unleash evaluatePlan = unleash-client getVariant", () => {
  let client: Unleash;
  beforeAll(async () => {
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

  it("10,000 ids (half non-ASCII), by userId and by sessionId: the same variant, enabled-without-variant as NO_VARIANT", () => {
    const names = ["a", "b"];
    const counts = new Map<string, Map<number, number>>();
    for (const id of randomIds(10_000, 4242)) {
      for (const context of [{ userId: id }, { sessionId: id }]) {
        for (const f of features) {
          const sdk = client.getVariant(f.name, context);
          const code = unleash.evaluatePlan(plans[f.name]!, context, () => true);
          const byCode = counts.get(f.name) ?? new Map<number, number>();
          byCode.set(code, (byCode.get(code) ?? 0) + 1);
          counts.set(f.name, byCode);
          const want = sdk.enabled ? sdk.name : sdk.feature_enabled ? "no-variant" : "off";
          const got = code >= 0 ? names[code] : code === unleash.NO_VARIANT ? "no-variant" : "off";
          if (got !== want) expect({ f: f.name, context, got }).toEqual({ f: f.name, context, got: want });
        }
      }
    }
    expect([...counts.get("no-variants-anywhere")!.keys()].sort()).toEqual(
      [unleash.NO_VARIANT, unleash.NOT_ENABLED].sort(),
    );
    expect(counts.get("zero-weights")!.get(0)).toBeGreaterThan(1000);
  });

  it("reports the SDK's random draws: no id for default stickiness, a missing variant stickiness property", () => {
    expect(unleash.evaluatePlan(plans["empty-list"]!, {}, () => true)).toBe(unleash.RANDOM);
    const plan: unleash.FeaturePlan = {
      strategies: [
        {
          enabled: true,
          rollout: 100,
          groupId: "",
          stickiness: "default",
          variants: { ...pv([1, 1], "g"), stickiness: "tenant" },
        },
      ],
    };
    expect(unleash.evaluatePlan(plan, { userId: "u" }, () => true)).toBe(unleash.RANDOM);
    expect(
      unleash.evaluatePlan(plan, { userId: "u", properties: { tenant: "t" } }, () => true),
    ).toBeGreaterThanOrEqual(0);
    // a strategy whose targeting fails is passed over without a draw
    expect(unleash.evaluatePlan(plan, {}, () => false)).toBe(unleash.NOT_ENABLED);
  });
});
