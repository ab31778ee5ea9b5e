import type { ExperimentDefinition, UnleashHashing } from "@assay/core";
import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { MemoryEventStore, randomIds } from "./helpers.js";

// one toggle, written by hand both ways: a QA strategy by property, a partial rollout without groupId whose
// variants stick to a property, then the rest at 20 % with the toggle's variants and an override
const feature = {
  name: "banner",
  enabled: true,
  strategies: [
    {
      name: "default",
      parameters: {},
      constraints: [{ contextName: "team", operator: "IN", values: ["qa"], inverted: false }],
      variants: [{ name: "big", weight: 1000, stickiness: "default" }],
    },
    {
      name: "flexibleRollout",
      parameters: { rollout: "30", stickiness: "default" },
      variants: [
        { name: "big", weight: 100, stickiness: "tenant" },
        { name: "small", weight: 900, stickiness: "tenant" },
      ],
    },
    { name: "flexibleRollout", parameters: { rollout: "20", stickiness: "sessionId", groupId: "banner" } },
  ],
  variants: [
    {
      name: "none",
      weight: 500,
      stickiness: "default",
      overrides: [{ contextName: "tenant", values: ["t-5"] }],
    },
    { name: "small", weight: 500, stickiness: "default" },
  ],
};
const hashing: UnleashHashing = {
  mode: "unleash",
  groupId: "banner",
  overrides: [{ variant: "none", field: "tenant", values: ["t-5"] }],
  strategies: [
    {
      enabled: true,
      rollout: 100,
      groupId: "",
      stickiness: "default",
      targeting: { include: ["team in [qa]"], exclude: [] },
      variants: [{ id: "big", weight: 1000 }],
      variantGroupId: "undefined",
      variantStickiness: "default",
    },
    {
      enabled: true,
      rollout: 30,
      groupId: "",
      stickiness: "default",
      variants: [
        { id: "big", weight: 100 },
        { id: "small", weight: 900 },
      ],
      variantGroupId: "undefined",
      variantStickiness: "tenant",
    },
    { enabled: true, rollout: 20, groupId: "banner", stickiness: "sessionId" },
  ],
};
const definition: ExperimentDefinition = {
  id: "banner",
  variants: [
    { id: "none", weight: 500, isControl: true },
    { id: "small", weight: 500, isControl: false },
    { id: "big", weight: 0, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
  hashing,
};

describe("unleash mode with strategies", () => {
  const backend = new HashExperimentBackend({ experiments: [definition], store: new MemoryEventStore() });
  let client: Unleash;
  beforeAll(async () => {
    client = new Unleash({
      appName: "assay-experiment-hash-test",
      url: "http://unleash.invalid/api/",
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: [feature] as never },
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  });
  afterAll(() => {
    client.destroy();
  });

  it("serves a strategy matched by targeting, answers anonymous where the SDK would draw, refuses traffic < 1", () => {
    expect(backend.assign("banner", { userId: "u", attributes: { team: "qa" } })).toMatchObject({
      variantId: "big",
      inExperiment: true,
    });
    // no id at all: the second strategy's default stickiness draws at random in the SDK
    expect(backend.assign("banner", { attributes: {} }).reason).toBe("anonymous");
    expect(
      () =>
        new HashExperimentBackend({
          experiments: [{ ...definition, traffic: 0.5 }],
          store: new MemoryEventStore(),
        }),
    ).toThrow(/traffic must be 1 with hashing.strategies/);
  });

  it("20,000 contexts (ids, sessionId only, tenants) answer as getVariant where the SDK does not draw", () => {
    const ids = randomIds(20_000, 77);
    const realRandom = Math.random;
    let draws = 0;
    Math.random = () => {
      draws++;
      return realRandom();
    };
    const reasons = new Map<string, number>();
    let differences = 0;
    let drawn = 0;
    try {
      ids.forEach((id, i) => {
        const attributes: Record<string, string> = {};
        if (i % 3 !== 0) attributes.tenant = `t-${i % 97}`;
        if (i % 50 === 0) attributes.team = "qa";
        const who = {
          ...(i % 10 === 0 ? {} : { userId: i % 400 === 1 ? "vip" : id }),
          sessionId: `s-${ids[(i + 1) % ids.length]}`,
          attributes,
        };
        const before = draws;
        const sdk = client.getVariant("banner", { ...who, properties: attributes });
        const v = backend.assign("banner", who);
        reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1);
        if (draws !== before) {
          drawn++;
          if (v.reason !== "anonymous") differences++;
          return;
        }
        const got = v.inExperiment || v.reason === "forced" ? v.variantId : false;
        if (got !== (sdk.enabled ? sdk.name : false)) differences++;
      });
    } finally {
      Math.random = realRandom;
    }
    expect(differences).toBe(0);
    expect(drawn).toBeGreaterThan(100);
    for (const reason of ["hash", "traffic", "anonymous", "forced"])
      expect(reasons.get(reason), reason).toBeGreaterThan(0);
  });
});
