import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { murmur3LowBytes, murmur3Utf8, optimizely } from "../../src/index.js";
import { randomIds } from "./helpers.js";

describe("Optimizely vectors", () => {
  it("bucket values from the SDK's bucket_value_generator tests (fixtures/vectors/README.md)", () => {
    expect(optimizely.bucketValueFor("ppid1", "1886780721")).toBe(5254);
    expect(optimizely.bucketValueFor("ppid2", "1886780721")).toBe(4299);
    expect(optimizely.bucketValueFor("ppid2", "1886780722")).toBe(2434);
    expect(optimizely.bucketValueFor("ppid3", "1886780721")).toBe(5439);
  });

  it("murmur3 x86_32 reference values, and UTF-8 (not UTF-16) input", () => {
    expect(murmur3Utf8("", 1)).toBe(1364076727);
    expect(murmur3Utf8("hello", 0)).toBe(0x248bfa47);
    expect(murmur3Utf8("", 0)).toBe(0);
    // "é" is the UTF-8 bytes C3 A9, which are the low bytes of "\u00c3\u00a9"
    expect(murmur3Utf8("é", 1)).toBe(murmur3LowBytes("\u00c3\u00a9", 1));
    expect(murmur3Utf8("é", 1)).not.toBe(murmur3LowBytes("é", 1));
  });

  it("ranges are exclusive at endOfRange; past the last end is null; an empty entity is a hole", () => {
    const alloc = [
      { entityId: "a", endOfRange: 5000 },
      { entityId: "", endOfRange: 6000 },
      { entityId: "b", endOfRange: 9000 },
    ];
    expect(optimizely.findBucket(4999, alloc)).toBe("a");
    expect(optimizely.findBucket(5000, alloc)).toBe("");
    expect(optimizely.findBucket(8999, alloc)).toBe("b");
    expect(optimizely.findBucket(9000, alloc)).toBeNull();
  });
});

/** A v4 datafile: two plain experiments (one with a traffic hole and partial traffic), and a random group. */
const datafile = {
  version: "4",
  rollouts: [],
  typedAudiences: [],
  anonymizeIP: true,
  projectId: "10001",
  variables: [],
  featureFlags: [],
  experiments: [
    {
      status: "Running",
      key: "checkout",
      layerId: "20001",
      trafficAllocation: [
        { entityId: "30001", endOfRange: 3333 },
        { entityId: "30002", endOfRange: 6666 },
        { entityId: "30003", endOfRange: 10000 },
      ],
      audienceIds: [],
      variations: [
        { variables: [], id: "30001", key: "control" },
        { variables: [], id: "30002", key: "treatment-a" },
        { variables: [], id: "30003", key: "treatment-b" },
      ],
      forcedVariations: { "forced-user": "treatment-b" },
      id: "1886780721",
    },
    {
      status: "Running",
      key: "partial",
      layerId: "20002",
      trafficAllocation: [
        { entityId: "30011", endOfRange: 1500 },
        { entityId: "", endOfRange: 2500 },
        { entityId: "30012", endOfRange: 7000 },
      ],
      audienceIds: [],
      variations: [
        { variables: [], id: "30011", key: "off" },
        { variables: [], id: "30012", key: "on" },
      ],
      forcedVariations: {},
      id: "1886780722",
    },
    {
      status: "Paused",
      key: "paused",
      layerId: "20003",
      trafficAllocation: [{ entityId: "30021", endOfRange: 10000 }],
      audienceIds: [],
      variations: [{ variables: [], id: "30021", key: "only" }],
      forcedVariations: {},
      id: "1886780723",
    },
  ],
  audiences: [],
  groups: [
    {
      policy: "random",
      trafficAllocation: [
        { entityId: "40001", endOfRange: 4000 },
        { entityId: "40002", endOfRange: 9000 },
      ],
      experiments: [
        {
          status: "Running",
          key: "group-exp-1",
          layerId: "20011",
          trafficAllocation: [
            { entityId: "50001", endOfRange: 5000 },
            { entityId: "50002", endOfRange: 10000 },
          ],
          audienceIds: [],
          variations: [
            { variables: [], id: "50001", key: "g1-control" },
            { variables: [], id: "50002", key: "g1-test" },
          ],
          forcedVariations: {},
          id: "40001",
        },
        {
          status: "Running",
          key: "group-exp-2",
          layerId: "20012",
          trafficAllocation: [
            { entityId: "50011", endOfRange: 2000 },
            { entityId: "50012", endOfRange: 10000 },
          ],
          audienceIds: [],
          variations: [
            { variables: [], id: "50011", key: "g2-control" },
            { variables: [], id: "50012", key: "g2-test" },
          ],
          forcedVariations: {},
          id: "40002",
        },
      ],
      id: "60001",
    },
  ],
  attributes: [],
  botFiltering: false,
  accountId: "70001",
  events: [],
  revision: "1",
};

describe("@optimizely/optimizely-sdk as the oracle (10,000 random ids, ASCII and non-ASCII)", () => {
  let client: ReturnType<typeof createInstance>;

  beforeAll(async () => {
    // a static datafile and no event processor: nothing leaves the process
    client = createInstance({
      projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(datafile) }),
    });
    await client.onReady({ timeout: 5000 });
  });

  afterAll(async () => {
    await client.close();
  });

  const keys = ["checkout", "partial", "paused", "group-exp-1", "group-exp-2"];

  it("getVariation for every experiment and id, including $opt_bucketing_id", () => {
    const compiled = keys.map((k) => optimizely.compileExperiment(datafile, k));
    const ids = randomIds(10000, 31337);
    const seen = new Map<string, Set<string | null>>();
    for (let i = 0; i < ids.length; i++) {
      const userId = ids[i]!;
      const bucketingId = i % 5 === 0 ? `b-${ids[(i + 1) % ids.length]}` : undefined;
      const attributes = bucketingId ? { $opt_bucketing_id: bucketingId } : {};
      for (const exp of compiled) {
        const expected = client.getVariation(exp.key, userId, attributes);
        const got = exp.variation(userId, bucketingId ?? userId);
        if (got !== expected)
          expect({ userId, exp: exp.key, got }).toEqual({ userId, exp: exp.key, got: expected });
        const values = seen.get(exp.key) ?? new Set();
        values.add(got);
        seen.set(exp.key, values);
      }
    }
    expect(seen.get("checkout")).toEqual(new Set(["control", "treatment-a", "treatment-b"]));
    expect(seen.get("partial")).toEqual(new Set(["off", "on", null]));
    expect(seen.get("paused")).toEqual(new Set([null]));
    expect(seen.get("group-exp-1")).toEqual(new Set(["g1-control", "g1-test", null]));
    expect(seen.get("group-exp-2")).toEqual(new Set(["g2-control", "g2-test", null]));
    // whitelisted user
    expect(compiled[0]!.variation("forced-user")).toBe(client.getVariation("checkout", "forced-user"));
    expect(compiled[0]!.variation("forced-user")).toBe("treatment-b");
  });
});

describe("compileAllocation (the manifest's optimizely mode, no datafile) against getVariation", () => {
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

  /** The spec a manifest would hold for a running experiment of the datafile: indexes in variations order. */
  function specOf(key: string): { spec: optimizely.AllocationSpec; keys: string[] } {
    const all = [...datafile.experiments, ...datafile.groups.flatMap((g) => g.experiments)];
    const e = all.find((x) => x.key === key)!;
    const keys = e.variations.map((v) => v.key);
    const index = new Map(e.variations.map((v, i) => [v.id, i]));
    const group = datafile.groups.find((g) => g.experiments.includes(e));
    return {
      keys,
      spec: {
        experimentId: e.id,
        allocation: e.trafficAllocation.map((r) => ({
          to: index.get(r.entityId) ?? null,
          end: r.endOfRange,
        })),
        group: group && {
          id: group.id,
          allocation: group.trafficAllocation.map((r) => ({ to: r.entityId || null, end: r.endOfRange })),
        },
        allowlist: new Map(
          Object.entries(e.forcedVariations as Record<string, string>).map(([user, variation]) => [
            user,
            keys.indexOf(variation),
          ]),
        ),
      },
    };
  }

  it("groups, a hole, partial traffic and the allowlist: 20,000 ids, 0 differences", () => {
    const cases = ["checkout", "partial", "group-exp-1", "group-exp-2"].map((key) => {
      const { spec, keys } = specOf(key);
      return { key, keys, compiled: optimizely.compileAllocation(spec) };
    });
    const ids = [...randomIds(20000, 4711), "forced-user"];
    const outside = new Map<string, number>();
    for (const id of ids) {
      for (const c of cases) {
        const index = c.compiled.bucket(id);
        const got = index < 0 ? null : c.keys[index]!;
        const expected = client.getVariation(c.key, id);
        if (got !== expected) expect({ id, key: c.key, got }).toEqual({ id, key: c.key, got: expected });
        if (got === null) outside.set(c.key, (outside.get(c.key) ?? 0) + 1);
      }
    }
    // the hole and the cut (partial), and the group's other experiment and its unallocated tenth, are exercised
    expect(outside.get("partial")).toBeGreaterThan(5000);
    expect(outside.get("group-exp-1")).toBeGreaterThan(10000);
    expect(outside.get("checkout") ?? 0).toBe(0);
    // the allowlist is keyed by user id, not by bucketing id
    const checkout = cases[0]!.compiled;
    expect(checkout.bucket("someone-else", "forced-user")).toBe(2);
  });
});

describe("compileAllocation's after (experiments decide tries first) against decide", () => {
  const v = (id: string, key: string) => ({ id, key, featureEnabled: true, variables: [] });
  const flagDatafile = {
    ...datafile,
    experiments: [
      {
        status: "Running",
        key: "flag-test",
        layerId: "l1",
        id: "61",
        audienceIds: [],
        forcedVariations: { "qa-1": "b" },
        variations: [v("611", "a"), v("612", "b")],
        trafficAllocation: [
          { entityId: "611", endOfRange: 1500 },
          { entityId: "", endOfRange: 2500 },
          { entityId: "612", endOfRange: 4000 },
        ],
      },
    ],
    groups: [],
    featureFlags: [{ id: "f", key: "flag", experimentIds: ["61"], rolloutId: "r", variables: [] }],
    rollouts: [
      {
        id: "r",
        experiments: [
          {
            status: "Running",
            key: "everyone-else",
            layerId: "l2",
            id: "62",
            audienceIds: [],
            forcedVariations: {},
            variations: [v("621", "on")],
            trafficAllocation: [{ entityId: "621", endOfRange: 6000 }],
          },
        ],
      },
    ],
  };
  let client: ReturnType<typeof createInstance>;
  beforeAll(async () => {
    client = createInstance({
      projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(flagDatafile) }),
    });
    await client.onReady({ timeout: 5000 });
  });
  afterAll(async () => {
    await client.close();
  });

  it("the rule serves only units the flag's experiment does not (its hole included): 20,000 ids, 0 differences", () => {
    const rule = optimizely.compileAllocation({
      experimentId: "62",
      allocation: [{ to: 0, end: 6000 }],
      after: [
        {
          experimentId: "61",
          served: [
            [0, 1500],
            [2500, 4000],
          ],
          allowlist: new Set(["qa-1"]),
        },
      ],
    });
    let delivered = 0;
    for (const id of [...randomIds(20000, 99), "qa-1"]) {
      const decision = client.createUserContext(id)!.decide("flag");
      const expected = decision.ruleKey === "everyone-else" ? decision.variationKey : null;
      const got = rule.bucket(id) === 0 ? "on" : null;
      if (got !== expected) expect({ id, got }).toEqual({ id, got: expected });
      if (got !== null) delivered++;
    }
    // 60 % of the 70 % the experiment leaves (its hole included)
    expect(delivered).toBeGreaterThan(7800);
    expect(delivered).toBeLessThan(9000);
    // an audience the context fails: the experiment serves nobody but its allowlist, so the rule serves more
    const audienced = optimizely.compileAllocation({
      experimentId: "62",
      allocation: [{ to: 0, end: 6000 }],
      after: [
        {
          experimentId: "61",
          served: [[0, 10000]],
          allowlist: new Set(["qa-1"]),
          matches: (c) => c === "in",
        },
      ],
    });
    expect(audienced.bucket("qa-1", "qa-1", "out")).toBe(-1);
    const ids = randomIds(2000, 7);
    expect(ids.every((id) => audienced.bucket(id, id, "in") === -1)).toBe(true);
    expect(ids.filter((id) => audienced.bucket(id, id, "out") === 0).length).toBeGreaterThan(1100);
  });
});
