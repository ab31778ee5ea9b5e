import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StatsigHashing } from "@assay/core";
import { statsig } from "@assay/hashing";
import { type Experiment, GrowthBook } from "@growthbook/growthbook";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { PostHog } from "posthog-node";
import statsigModule from "statsig-node";
import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import hashPlugin, { HashExperimentBackend } from "../src/index.js";
import { type ExperimentDefinition, MemoryEventStore, randomIds, VECTORS } from "./helpers.js";

// statsig-node is CommonJS whose module.exports is the Statsig singleton itself
const Statsig = statsigModule as unknown as typeof import("statsig-node")["Statsig"];

const variants = (...weights: number[]) =>
  weights.map((weight, i) => ({ id: i === 0 ? "control" : `v${i}`, weight, isControl: i === 0 }));
const definition = (
  id: string,
  hashing: NonNullable<ExperimentDefinition["hashing"]>,
  weights: number[],
  traffic = 1,
): ExperimentDefinition => ({
  id,
  variants: variants(...weights),
  unit: "user",
  traffic,
  enabled: true,
  hashing,
});
const backendOf = (experiments: ExperimentDefinition[], baseDir?: string) =>
  new HashExperimentBackend({
    experiments,
    store: new MemoryEventStore(),
    ...(baseDir === undefined ? {} : { baseDir }),
  });
/** -1 when not enrolled, else the variant's index. */
const indexOf = (backend: HashExperimentBackend, experiment: string, userId: string) => {
  const v = backend.assign(experiment, { userId, attributes: {} });
  if (!v.inExperiment) return -1;
  return v.variantId === "control" ? 0 : Number(v.variantId.slice(1));
};
const IDS = randomIds(100_000, 2026);

describe("growthbook mode = @growthbook/growthbook's run()", () => {
  beforeAll(() => {
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  const cases: { def: ExperimentDefinition; gb: Experiment<number> }[] = [
    {
      def: definition("v1-even", { mode: "growthbook", version: 1, seed: "v1-even" }, [0.5, 0.5]),
      gb: { key: "v1-even", variations: [0, 1] },
    },
    {
      def: definition("v2-uneven", { mode: "growthbook", version: 2, seed: "phase-1" }, [0.1, 0.2, 0.7], 0.4),
      gb: {
        key: "v2-uneven",
        seed: "phase-1",
        hashVersion: 2,
        variations: [0, 1, 2],
        weights: [0.1, 0.2, 0.7],
        coverage: 0.4,
      },
    },
    {
      def: definition("v2-relative", { mode: "growthbook", version: 2, seed: "s" }, [1, 3], 0.77),
      gb: {
        key: "v2-relative",
        seed: "s",
        hashVersion: 2,
        variations: [0, 1],
        weights: [0.25, 0.75],
        coverage: 0.77,
      },
    },
    {
      def: definition(
        "v1-thirds",
        { mode: "growthbook", version: 1, seed: "t" },
        [0.3333, 0.3334, 0.3333],
        0.05,
      ),
      gb: {
        key: "v1-thirds",
        seed: "t",
        hashVersion: 1,
        variations: [0, 1, 2],
        weights: [0.3333, 0.3334, 0.3333],
        coverage: 0.05,
      },
    },
    {
      def: definition(
        "v2-ranges-ns",
        {
          mode: "growthbook",
          version: 2,
          seed: "r",
          ranges: [
            [0, 0.3],
            [0.5, 0.9],
          ],
          namespace: { id: "ns", start: 0.1, end: 0.8 },
        },
        [1, 1],
      ),
      gb: {
        key: "v2-ranges-ns",
        seed: "r",
        hashVersion: 2,
        variations: [0, 1],
        ranges: [
          [0, 0.3],
          [0.5, 0.9],
        ],
        namespace: ["ns", 0.1, 0.8],
      },
    },
    {
      def: definition(
        "v2-filters",
        {
          mode: "growthbook",
          version: 2,
          seed: "f",
          filters: [{ seed: "layer", ranges: [[0.2, 0.6]], version: 2 }],
        },
        [0.5, 0.5],
      ),
      gb: {
        key: "v2-filters",
        seed: "f",
        hashVersion: 2,
        variations: [0, 1],
        filters: [{ seed: "layer", ranges: [[0.2, 0.6]], hashVersion: 2 }],
      },
    },
  ];
  const backend = backendOf(cases.map((c) => c.def));
  for (const { def, gb } of cases) {
    it(`${def.id}: every one of 100,000 ids (half non-ASCII) in the same variant, in or out`, () => {
      let inside = 0;
      for (const id of IDS) {
        const r = new GrowthBook({ attributes: { id } }).run(gb);
        const expected = r.inExperiment ? r.variationId : -1;
        const got = indexOf(backend, def.id, id);
        if (got !== expected) expect({ id, got }).toEqual({ id, got: expected });
        if (got >= 0) inside++;
      }
      expect(inside).toBeGreaterThan(200);
    });
  }
});

describe("posthog mode = posthog-node local evaluation", () => {
  const flags = [
    {
      id: 1,
      key: "ph-55",
      active: true,
      filters: {
        groups: [{ properties: [], rollout_percentage: 55 }],
        multivariate: {
          variants: [
            { key: "control", rollout_percentage: 20 },
            { key: "v1", rollout_percentage: 20 },
            { key: "v2", rollout_percentage: 20 },
            { key: "v3", rollout_percentage: 20 },
            { key: "v4", rollout_percentage: 20 },
          ],
        },
      },
    },
    {
      id: 2,
      key: "ph-uneven",
      active: true,
      filters: {
        groups: [{ properties: [], rollout_percentage: 33.3 }],
        multivariate: {
          variants: [
            { key: "control", rollout_percentage: 33 },
            { key: "v1", rollout_percentage: 67 },
          ],
        },
        holdout: { id: 7, exclusion_percentage: 10 },
      },
    },
  ];
  const backend = backendOf([
    definition("ph-55", { mode: "posthog", key: "ph-55" }, [20, 20, 20, 20, 20], 55 / 100),
    definition(
      "ph-uneven",
      { mode: "posthog", key: "ph-uneven", holdout: { id: 7, percentage: 10 } },
      [33, 67],
      33.3 / 100,
    ),
  ]);
  let client: PostHog;
  beforeAll(async () => {
    const fetch = async (url: string) =>
      new Response(
        url.includes("/flags/definitions")
          ? JSON.stringify({ flags, group_type_mapping: {}, cohorts: {} })
          : "{}",
        {
          status: 200,
          headers: { "content-type": "application/json" },
        },
      );
    client = new PostHog("phc_test", {
      host: "http://posthog.invalid",
      personalApiKey: "phx_test",
      fetch: fetch as unknown as typeof globalThis.fetch,
      featureFlagsPollingInterval: 3_600_000,
      flushAt: 1_000_000,
      flushInterval: 0,
    } as ConstructorParameters<typeof PostHog>[1]);
    expect(await client.waitForLocalEvaluationReady(10_000)).toBe(true);
  });
  afterAll(async () => {
    await client.shutdown();
  });
  // posthog-node evaluates a few thousand ids per second locally (async, one call per id): 100,000 ids took
  // 36-38 s on the project VM, close to the suite's 60 s when the VM runs slow.
  it("both flags, 100,000 ids: the variant PostHog gives, and not enrolled where PostHog says false or holdout", async () => {
    const keys = flags.map((f) => f.key);
    let held = 0;
    for (const id of IDS) {
      const all = await client.getAllFlags(id, { onlyEvaluateLocally: true });
      for (const key of keys) {
        const value = all[key] ?? false;
        if (typeof value === "string" && value.startsWith("holdout-")) held++;
        const v = backend.assign(key, { userId: id, attributes: {} });
        const got = v.inExperiment ? v.variantId : false;
        const expected = typeof value === "string" && !value.startsWith("holdout-") ? value : false;
        if (got !== expected) expect({ id, key, got }).toEqual({ id, key, got: expected });
      }
    }
    expect(held).toBeGreaterThan(1000);
  }, 240_000);
});

describe("optimizely mode = @optimizely/optimizely-sdk getVariation", () => {
  const experiment = (id: string, key: string, ends: number[]) => ({
    id,
    key,
    status: "Running",
    layerId: `l${id}`,
    audienceIds: [],
    forcedVariations: {},
    variations: ends.map((_, i) => ({ id: `${id}${i}`, key: i === 0 ? "control" : `v${i}`, variables: [] })),
    trafficAllocation: ends.map((endOfRange, i) => ({ entityId: `${id}${i}`, endOfRange })),
  });
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
    groups: [],
    featureFlags: [],
    rollouts: [],
    experiments: [
      experiment("1886780721", "full", [3333, 6667, 10000]),
      experiment("555", "half", [2500, 5000]),
    ],
  };
  const backend = backendOf([
    definition(
      "full",
      { mode: "optimizely", experimentId: "1886780721", bucketingId: "opt_bucketing_id" },
      [1, 1, 1],
    ),
    definition("half", { mode: "optimizely", experimentId: "555", ends: [2500, 5000] }, [1, 1]),
  ]);
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
  it("100,000 ids, some with a bucketing id attribute", () => {
    expect(backend.assign("full", { userId: "ppid1", attributes: {} }).variantId).toBe(
      client.getVariation("full", "ppid1"),
    );
    for (let i = 0; i < IDS.length; i++) {
      const id = IDS[i]!;
      const bucketing = i % 7 === 0 ? `b${i}` : undefined;
      for (const key of ["full", "half"]) {
        const expected =
          client.getVariation(key, id, bucketing && key === "full" ? { $opt_bucketing_id: bucketing } : {}) ??
          false;
        const v = backend.assign(key, {
          userId: id,
          attributes: bucketing ? { opt_bucketing_id: bucketing } : {},
        });
        const got = v.inExperiment ? v.variantId : false;
        if (got !== expected) expect({ id, key, got }).toEqual({ id, key, got: expected });
      }
    }
  });
});

describe("unleash mode = unleash-client (flexible rollout + variants)", () => {
  const feature = (name: string, rollout: number, weights: number[]) => ({
    name,
    enabled: true,
    strategies: [
      {
        name: "flexibleRollout",
        parameters: { rollout: String(rollout), stickiness: "default", groupId: name },
      },
    ],
    variants: weights.map((weight, i) => ({
      name: i === 0 ? "control" : `v${i}`,
      weight,
      stickiness: "default",
    })),
  });
  const features = [
    feature("u-all", 100, [500, 500]),
    feature("u-37", 37, [100, 200, 700]),
    // strategy groupId differs from the toggle name: the rollout hashes the groupId, feature variants the name
    {
      ...feature("u-group", 60, [250, 750]),
      strategies: [
        {
          name: "flexibleRollout",
          parameters: { rollout: "60", stickiness: "default", groupId: "g-shared" },
        },
      ],
    },
  ];
  const backend = backendOf([
    definition("u-all", { mode: "unleash", groupId: "u-all" }, [500, 500]),
    definition("u-37", { mode: "unleash", groupId: "u-37" }, [100, 200, 700], 0.37),
    definition(
      "u-group",
      { mode: "unleash", groupId: "g-shared", variantGroupId: "u-group" },
      [250, 750],
      0.6,
    ),
  ]);
  let client: Unleash;
  beforeAll(async () => {
    client = new Unleash({
      appName: "assay-experiment-hash-test",
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
  it("100,000 ids: enabled and variant as the SDK", () => {
    for (const id of IDS) {
      for (const f of features) {
        const variant = client.getVariant(f.name, { userId: id });
        const expected = variant.enabled ? variant.name : false;
        const v = backend.assign(f.name, { userId: id, attributes: {} });
        const got = v.inExperiment ? v.variantId : false;
        if (got !== expected) expect({ id, key: f.name, got }).toEqual({ id, key: f.name, got: expected });
      }
    }
  });
});

describe("featuresignals mode", () => {
  it("buckets murmur3(flagKey.userKey) % 10000 into basis-point weights; one bucket for rollout and variant", () => {
    const backend = backendOf([
      definition("flag-1", { mode: "featuresignals", flagKey: "flag-1" }, [3000, 7000]),
    ]);
    // BucketUser("flag-1", "user-42") = 3755 (the FeatureSignals derived vector): 3755 >= 3000 -> second variant
    expect(backend.assign("flag-1", { userId: "user-42", attributes: {} }).variantId).toBe("v1");
    const half = backendOf([
      definition("checkout-v2", { mode: "featuresignals", flagKey: "checkout-v2" }, [1, 1], 0.2),
    ]);
    // ("checkout-v2", "alice") = 2334: outside a 20% (2000 bp) rollout
    expect(half.assign("checkout-v2", { userId: "alice", attributes: {} }).inExperiment).toBe(false);
    const wide = backendOf([
      definition("checkout-v2", { mode: "featuresignals", flagKey: "checkout-v2" }, [1, 1], 0.3),
    ]);
    expect(wide.assign("checkout-v2", { userId: "alice", attributes: {} }).variantId).toBe("control");
  });
});

describe("statsig mode (payload file relative to the manifest)", () => {
  const groups = [
    { id: "Control", weight: 1, isControl: true },
    { id: "Test", weight: 1, isControl: false },
  ];
  const def: ExperimentDefinition = {
    id: "sample",
    variants: groups,
    unit: "user",
    traffic: 1,
    enabled: true,
    hashing: {
      mode: "statsig",
      payload: "./statsig-download-config-specs.json",
      experiment: "sample_experiment",
    },
  };
  const backend = backendOf([def], fileURLToPath(VECTORS));
  beforeAll(async () => {
    await Statsig.initialize("secret-assay-test", {
      localMode: true,
      bootstrapValues: readFileSync(new URL("statsig-download-config-specs.json", VECTORS), "utf8"),
    });
  });
  afterAll(() => {
    Statsig.shutdown();
  });
  it("the vectors: user 123 -> Control, random -> Test", () => {
    expect(backend.assign("sample", { userId: "123", attributes: {} }).variantId).toBe("Control");
    expect(backend.assign("sample", { userId: "random", attributes: {} })).toMatchObject({
      variantId: "Test",
      inExperiment: true,
    });
  });
  it("sdk = node-legacy, 100,000 ids: the group statsig-node gives", () => {
    const legacy = backendOf(
      [{ ...def, hashing: { ...(def.hashing as StatsigHashing), sdk: "node-legacy" } }],
      fileURLToPath(VECTORS),
    );
    for (const id of IDS) {
      const e = Statsig.getExperimentWithExposureLoggingDisabledSync({ userID: id }, "sample_experiment");
      const expected = e.getGroupName() ?? false;
      const v = legacy.assign("sample", { userId: id, attributes: {} });
      const got = v.inExperiment ? v.variantId : false;
      if (got !== expected) expect({ id, got }).toEqual({ id, got: expected });
    }
  });
  it("by default (sdk = node-core), the group of plain SHA-256, which statsig-node misses on some ids", () => {
    const payload = JSON.parse(readFileSync(new URL("statsig-download-config-specs.json", VECTORS), "utf8"));
    let differs = 0;
    for (const id of IDS) {
      const expected = statsig.getExperimentGroup(payload, "sample_experiment", id, "node-core") ?? false;
      const v = backend.assign("sample", { userId: id, attributes: {} });
      const got = v.inExperiment ? v.variantId : false;
      if (got !== expected) expect({ id, got }).toEqual({ id, got: expected });
      const legacy = Statsig.getExperimentWithExposureLoggingDisabledSync(
        { userID: id },
        "sample_experiment",
      );
      if ((legacy.getGroupName() ?? false) !== got) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
  it("reads the v2 map payload (@statsig/statsig-node-core's) like the v1 list", () => {
    const v1 = JSON.parse(readFileSync(new URL("statsig-download-config-specs.json", VECTORS), "utf8")) as {
      dynamic_configs: { name: string; rules: { conditions: unknown[] }[] }[];
    };
    const conditionMap: Record<string, unknown> = {};
    const dynamicConfigs = Object.fromEntries(
      v1.dynamic_configs.map(({ name, ...spec }) => [
        name,
        {
          ...spec,
          rules: spec.rules.map((r) => ({
            ...r,
            conditions: r.conditions.map((c, i) => {
              const key = `${name}:${i}:${Object.keys(conditionMap).length}`;
              conditionMap[key] = c;
              return key;
            }),
          })),
        },
      ]),
    );
    const dir = mkdtempSync(join(tmpdir(), "assay-statsig-v2-"));
    writeFileSync(
      join(dir, "specs.json"),
      JSON.stringify({
        dynamic_configs: dynamicConfigs,
        feature_gates: {},
        layer_configs: {},
        condition_map: conditionMap,
      }),
    );
    const fromV2 = backendOf(
      [{ ...def, hashing: { mode: "statsig", payload: "specs.json", experiment: "sample_experiment" } }],
      dir,
    );
    for (const id of IDS.slice(0, 20_000)) {
      const ctx = { userId: id, attributes: {} };
      expect(fromV2.assign("sample", ctx)).toEqual(backend.assign("sample", ctx));
    }
  });
  it("rejects a payload without the experiment, or groups that are not variants", () => {
    expect(() =>
      backendOf(
        [{ ...def, hashing: { mode: "statsig", payload: "./statsig-download-config-specs.json" } }],
        fileURLToPath(VECTORS),
      ),
    ).toThrow(/no experiment "sample"/);
    expect(() => backendOf([{ ...def, variants: variants(1, 1) }], fileURLToPath(VECTORS))).toThrow(
      /group "Control" is not one of the variants/,
    );
    expect(() => backendOf([def], "/nonexistent")).toThrow(/cannot read the Statsig payload/);
  });
  it("reads a payload only inside the manifest's folder, a regular file, and never quotes it", () => {
    const root = mkdtempSync(join(tmpdir(), "assay-statsig-"));
    mkdirSync(join(root, "app"));
    writeFileSync(join(root, "secret.json"), "root:x:0:0:root");
    writeFileSync(join(root, "app", "bad.json"), "root:x:0:0:root");
    const at = (payload: string) => [{ ...def, hashing: { mode: "statsig" as const, payload } }];
    for (const payload of ["../secret.json", join(root, "secret.json"), "/dev/zero"]) {
      expect(() => backendOf(at(payload), join(root, "app")), payload).toThrow(/ASSAY_ALLOW_OUTSIDE_FILES=1/);
    }
    expect(() => backendOf(at("./bad.json"), join(root, "app"))).toThrow(/bad\.json: not valid JSON$/);
    try {
      backendOf(at("./bad.json"), join(root, "app"));
    } catch (error) {
      expect((error as Error).message).not.toContain("root:x");
    }
  });
});

describe("the plugin module", () => {
  it("resolves a Statsig payload from the manifest's directory", async () => {
    const plugin = await hashPlugin.createExperimentPlugin({
      name: "local",
      options: {},
      manifestDir: fileURLToPath(VECTORS),
      store: new MemoryEventStore(),
      experiments: [
        {
          id: "sample_experiment",
          variants: [
            { id: "Control", weight: 1, isControl: true },
            { id: "Test", weight: 1, isControl: false },
          ],
          unit: "user",
          traffic: 1,
          enabled: true,
          hashing: { mode: "statsig", payload: "statsig-download-config-specs.json" },
        },
      ],
    });
    expect(plugin.assign("sample_experiment", { userId: "random", attributes: {} }).variantId).toBe("Test");
  });
});
