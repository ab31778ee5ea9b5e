import { createHash } from "node:crypto";
import { PostHog } from "posthog-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { posthog } from "../../src/index.js";
import { randomIds, readVector } from "./helpers.js";

type Consistency = {
  distinct_ids: string;
  flags: posthog.FlagDefinition[];
  expected: Record<string, (string | boolean)[]>;
};

const consistency = readVector<Consistency>("posthog-consistency.json");

describe("PostHog vectors", () => {
  it("consistency file: 1000 ids x (45% boolean flag, 55% five-variant flag), every value", () => {
    expect(consistency.flags.map((f) => f.key)).toEqual(["simple-flag", "multivariate-flag"]);
    let checked = 0;
    for (const flag of consistency.flags) {
      const compiled = posthog.compileFlag(flag);
      const expected = consistency.expected[flag.key]!;
      expect(expected.length).toBe(1000);
      for (let i = 0; i < 1000; i++) {
        expect(compiled.evaluate(`distinct_id_${i}`), `${flag.key} distinct_id_${i}`).toBe(expected[i]);
        checked++;
      }
    }
    expect(checked).toBe(2000);
  });

  it("raw rollout hashes from the SDK's tests (exact floats)", () => {
    expect(posthog.hash("simple-flag", "distinct_id_0")).toBe(0.7836963764220432);
    expect(posthog.hash("simple-flag", "distinct_id_1")).toBe(0.3397069926995401);
  });

  it("holdout hashes from the PostHog server's tests (exact floats)", () => {
    expect(posthog.holdoutHash("some_distinct_id")).toBe(0.7270002403585725);
    expect(posthog.holdoutHash("test-identifier")).toBe(0.4493881716040236);
    expect(posthog.holdoutHash("example_id")).toBe(0.9402003475831224);
    expect(posthog.holdoutHash("example_id2")).toBe(0.6292740389966519);
  });
});

describe("PostHog hash exactness", () => {
  it("LONG_SCALE is the double PostHog's 15-hex-digit literal evaluates to", () => {
    expect(posthog.LONG_SCALE).toBe(Number.parseInt("f".repeat(15), 16));
  });

  it("the two-word 60-bit value equals parseInt of 15 hex digits and the BigInt value, on 10,000 ids", () => {
    for (const id of randomIds(10000, 5)) {
      const text = `flag.${id}variant`;
      const hex = createHash("sha1").update(text, "utf8").digest("hex").slice(0, 15);
      const viaParseInt = Number.parseInt(hex, 16) / posthog.LONG_SCALE;
      const viaBigInt = Number(BigInt(`0x${hex}`)) / posthog.LONG_SCALE;
      const got = posthog.sha1Point(text);
      expect(got).toBe(viaParseInt);
      expect(got).toBe(viaBigInt);
    }
  });

  it("rollout is inclusive (hash <= pct/100) and variants strict (valueMin <= h < valueMax)", () => {
    // ids whose hash is exactly representable as a rollout percentage: at that percentage they are in
    const exact = randomIds(200, 3).filter((id) => {
      const h = posthog.hash("f", id);
      return (h * 100) / 100 === h;
    });
    expect(exact.length).toBeGreaterThan(0);
    for (const id of exact) {
      const pct = posthog.hash("f", id) * 100;
      expect(posthog.isInRollout("f", id, pct)).toBe(true);
      expect(
        posthog
          .compileFlag({ key: "f", active: true, filters: { groups: [{ rollout_percentage: pct }] } })
          .evaluate(id),
      ).toBe(true);
    }
    const table = posthog.variantLookupTable([
      { key: "a", rollout_percentage: 50 },
      { key: "b", rollout_percentage: 50 },
    ]);
    expect(posthog.chooseVariant(0.5, table)).toBe("b");
    expect(posthog.chooseVariant(1, table)).toBeUndefined(); // hash of exactly 1: no variant, flag is `true`
    expect(posthog.isInRollout("f", "x", null)).toBe(true);
    expect(posthog.isInRollout("f", "x", 0)).toBe(posthog.hash("f", "x") === 0);
  });

  it("property conditions need a matcher, experience continuity is refused", () => {
    const flag = {
      key: "p",
      active: true,
      filters: { groups: [{ properties: [{ key: "email" }], rollout_percentage: 100 }] },
    };
    expect(() => posthog.compileFlag(flag).evaluate("u")).toThrow(/matcher/);
    expect(posthog.compileFlag(flag).evaluate("u", () => true)).toBe(true);
    expect(posthog.compileFlag(flag).evaluate("u", () => false)).toBe(false);
    expect(() => posthog.compileFlag({ ...flag, ensure_experience_continuity: true })).toThrow(/continuity/);
    const inactive = { ...flag, active: false, ensure_experience_continuity: true };
    expect(posthog.compileFlag(inactive).evaluate("u")).toBe(false);
  });
});

const variants5 = [
  { key: "first", rollout_percentage: 50 },
  { key: "second", rollout_percentage: 20 },
  { key: "third", rollout_percentage: 20 },
  { key: "fourth", rollout_percentage: 5 },
  { key: "fifth", rollout_percentage: 5 },
];

const oracleFlags: (posthog.FlagDefinition & { id: number; name: string })[] = [
  {
    id: 1,
    name: "",
    key: "simple-45",
    active: true,
    filters: { groups: [{ properties: [], rollout_percentage: 45 }] },
  },
  {
    id: 2,
    name: "",
    key: "fractional-33.33",
    active: true,
    filters: { groups: [{ properties: [], rollout_percentage: 33.33 }] },
  },
  {
    id: 3,
    name: "",
    key: "multivariate-55",
    active: true,
    filters: { groups: [{ properties: [], rollout_percentage: 55 }], multivariate: { variants: variants5 } },
  },
  {
    id: 4,
    name: "",
    key: "thirds",
    active: true,
    filters: {
      groups: [{ properties: [], rollout_percentage: 100 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 33.3 },
          { key: "test-1", rollout_percentage: 33.3 },
          { key: "test-2", rollout_percentage: 33.4 },
        ],
      },
    },
  },
  {
    id: 5,
    name: "",
    key: "gap-90",
    active: true,
    filters: {
      groups: [{ properties: [], rollout_percentage: 100 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 45 },
          { key: "test", rollout_percentage: 45 },
        ],
      },
    },
  },
  {
    id: 6,
    name: "",
    key: "override-then-rollout",
    active: true,
    filters: {
      groups: [
        { properties: [], rollout_percentage: 10, variant: "test" },
        { properties: [], rollout_percentage: 60 },
      ],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 50 },
          { key: "test", rollout_percentage: 50 },
        ],
      },
    },
  },
  {
    id: 7,
    name: "",
    key: "early-exit",
    active: true,
    filters: {
      early_exit: true,
      groups: [
        { properties: [], rollout_percentage: 30 },
        { properties: [], rollout_percentage: 100 },
      ],
    },
  },
  {
    id: 8,
    name: "",
    key: "holdout-20",
    active: true,
    filters: {
      holdout: { id: 42, exclusion_percentage: 20 },
      groups: [{ properties: [], rollout_percentage: 80 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 50 },
          { key: "test", rollout_percentage: 50 },
        ],
      },
    },
  },
  {
    id: 11,
    name: "",
    key: "company-flag",
    active: true,
    filters: {
      aggregation_group_type_index: 0,
      groups: [{ properties: [], rollout_percentage: 70 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 40 },
          { key: "test", rollout_percentage: 60 },
        ],
      },
    },
  },
  {
    id: 12,
    name: "",
    key: "device-flag",
    active: true,
    bucketing_identifier: "device_id",
    filters: { groups: [{ properties: [], rollout_percentage: 50 }] },
  },
  {
    id: 9,
    name: "",
    key: "inactive",
    active: false,
    filters: { groups: [{ properties: [], rollout_percentage: 100 }] },
  },
  {
    id: 10,
    name: "",
    key: "zero",
    active: true,
    filters: { groups: [{ properties: [], rollout_percentage: 0 }] },
  },
];

describe("posthog-node local evaluation as the oracle (10,000 random ids, ASCII and non-ASCII)", () => {
  const requests: string[] = [];
  let client: PostHog;

  beforeAll(async () => {
    // Flag definitions are served through the SDK's own `fetch` option: nothing goes to the network.
    const fetch = async (url: string): Promise<Response> => {
      requests.push(url);
      if (url.includes("/flags/definitions")) {
        return new Response(
          JSON.stringify({ flags: oracleFlags, group_type_mapping: { "0": "company" }, cohorts: {} }),
          {
            status: 200,
            headers: { "content-type": "application/json" },
          },
        );
      }
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    };
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

  it("every flag, every id: variant / true / false as the SDK gives it", async () => {
    const compiled = oracleFlags.map((f) => posthog.compileFlag(f));
    const definitions = new Map(oracleFlags.map((f) => [f.key, f]));
    const seen = new Map<string, Set<string | boolean>>();
    const ids = randomIds(10000, 424242);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // group flags bucket by the group key, device_id flags by $device_id, the rest by the distinct id
      const company = ids[(i + 1) % ids.length]!;
      const device = `dev-${ids[(i + 2) % ids.length]}`;
      const all = await client.getAllFlags(id, {
        onlyEvaluateLocally: true,
        groups: { company },
        personProperties: { $device_id: device },
      });
      for (const flag of compiled) {
        const expected = all[flag.key] ?? false;
        const bucketingValue = posthog.bucketingValueFor(definitions.get(flag.key)!, {
          distinctId: id,
          deviceId: device,
          groups: { company },
          groupTypeMapping: { "0": "company" },
        });
        const got = bucketingValue === undefined ? false : flag.evaluate(bucketingValue);
        if (got !== expected)
          expect({ id, flag: flag.key, got }).toEqual({ id, flag: flag.key, got: expected });
        const values = seen.get(flag.key) ?? new Set();
        values.add(got);
        seen.set(flag.key, values);
      }
    }
    // the comparison covered every outcome of each flag
    expect([...seen.get("multivariate-55")!].sort()).toEqual([false, ...variants5.map((v) => v.key)].sort());
    expect(seen.get("gap-90")!.has(true)).toBe(true);
    expect(seen.get("holdout-20")!.has("holdout-42")).toBe(true);
    expect(seen.get("early-exit")!).toEqual(new Set([true, false]));
    expect(seen.get("inactive")!).toEqual(new Set([false]));
    expect(seen.get("company-flag")!).toEqual(new Set(["control", "test", false]));
    expect(seen.get("device-flag")!).toEqual(new Set([true, false]));
    expect(requests.every((u) => u.startsWith("http://posthog.invalid/"))).toBe(true);
  });
});
