import { join } from "node:path";
import { compareSemVer, MemoryEventStore, parseSemVer } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { evalCondition } from "@growthbook/growthbook";
import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { PostHog } from "posthog-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postHogTriple, semverSource } from "../src/import/posthog-semver.js";
import { statsigVersionSource } from "../src/import/statsig-versions.js";
import { importGrowthBook, importPostHog, importStatsig, manifestToml } from "../src/index.js";
import { tempDir } from "./helpers.js";

/** The versions the brief names, then version-like strings of every shape: padding, prefixes, prereleases, junk. */
function versions(): string[] {
  const out = new Set([
    "1.2",
    "1.2.3-beta.1",
    "v2.0.0",
    "10.0.0",
    "2.0.0",
    "1.2.0",
    "0.0.3",
    "1.10.0",
    "2.0",
  ]);
  const parts = ["", "0", "1", "2", "3", "9", "10", "01", "100", "x"];
  const prefixes = ["", "v", "V", " ", "vv"];
  const suffixes = ["", "-beta.1", "+build.5", ".4", "-rc", " ", "..7"];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < 4000; i++) {
    const n = 1 + Math.floor(rand() * 3);
    const core = Array.from({ length: n }, () => pick(parts)).join(".");
    out.add(`${pick(prefixes)}${core}${pick(suffixes)}`);
  }
  return [...out];
}
const VERSIONS = versions();
const TARGETS = ["1.2.0", "2.0.0", "0.0.3", "10.0.0", "1.2", "v2.0.0", "1.2.3-beta.1", "0.2.0"];
const OPERATORS = ["eq", "neq", "gt", "gte", "lt", "lte", "tilde", "caret"] as const;

/** Assay's own semver rule (`appVersion >= 2.0.0`): strict semver, precedence with prereleases. */
function assayCompare(value: string, op: "gt" | "gte" | "lt" | "lte" | "eq", target: string): boolean {
  const v = parseSemVer(value.trim());
  const t = parseSemVer(target);
  if (v === undefined || t === undefined) return false;
  const d = compareSemVer(v, t);
  return { gt: d > 0, gte: d >= 0, lt: d < 0, lte: d <= 0, eq: d === 0 }[op];
}

describe("PostHog semver_* operators, as posthog-node reads versions", () => {
  const flags = TARGETS.flatMap((target, t) =>
    OPERATORS.map((op, o) => ({
      id: 1000 + t * 10 + o,
      key: `v-${op}-${t}`,
      active: true,
      filters: {
        groups: [
          {
            properties: [{ key: "appVersion", type: "person", value: target, operator: `semver_${op}` }],
            rollout_percentage: 100,
          },
        ],
        multivariate: {
          variants: [
            { key: "control", rollout_percentage: 50 },
            { key: "test", rollout_percentage: 50 },
          ],
        },
      },
    })),
  );
  for (const [w, target] of ["1.*", "1.2.*", "0.*", "2", "v10.0.*", "1.2.3"].entries())
    flags.push({
      ...flags[0]!,
      id: 2000 + w,
      key: `v-wildcard-${w}`,
      filters: {
        ...flags[0]!.filters,
        groups: [
          {
            properties: [{ key: "appVersion", type: "person", value: target, operator: "semver_wildcard" }],
            rollout_percentage: 100,
          },
        ],
      },
    });
  const definitions = { flags, group_type_mapping: {}, cohorts: {} };
  let client: PostHog;
  beforeAll(async () => {
    const fetch = async (url: string) =>
      new Response(url.includes("/flags/definitions") ? JSON.stringify(definitions) : "{}", {
        status: 200,
        headers: { "content-type": "application/json" },
      });
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

  it("differs from Assay's semver comparison on the brief's versions (so a plain >= would move users)", () => {
    // PostHog ignores prereleases and pads: 1.2.3-beta.1 equals 1.2.3, 1.2 equals 1.2.0; Assay orders and refuses
    expect(postHogTriple("1.2.3-beta.1")).toEqual([1, 2, 3]);
    expect(postHogTriple("1.2")).toEqual([1, 2, 0]);
    expect(postHogTriple("v2.0.0")).toEqual([2, 0, 0]);
    expect(postHogTriple("10.0.0")).toEqual([10, 0, 0]);
    expect(assayCompare("1.2", "gte", "1.2.0")).toBe(false);
    expect(assayCompare("1.2.3-beta.1", "gte", "1.2.3")).toBe(false);
  });

  it("the regex of each comparison holds exactly where PostHog's reading satisfies it", () => {
    for (const target of TARGETS) {
      const t = postHogTriple(target)!;
      for (const op of ["gt", "gte", "lt", "lte", "eq", "neq"] as const) {
        const source = semverSource(op, t);
        const re = source === undefined ? undefined : new RegExp(source);
        for (const v of VERSIONS) {
          const triple = postHogTriple(v);
          const d =
            triple === undefined ? undefined : triple[0] - t[0] || triple[1] - t[1] || triple[2] - t[2];
          const want =
            d !== undefined &&
            { gt: d > 0, gte: d >= 0, lt: d < 0, lte: d <= 0, eq: d === 0, neq: d !== 0 }[op];
          expect(re?.test(v) ?? false, `${JSON.stringify(v)} ${op} ${target}`).toBe(want);
        }
      }
    }
  });

  it(`${VERSIONS.length} versions x ${flags.length} flags (wildcards too): the imported manifest enrolls and assigns as posthog-node`, async () => {
    const result = importPostHog(definitions);
    for (const e of result.experiments) expect(e.notReproduced, e.id).toEqual([]);
    const dir = tempDir({ "assay.toml": manifestToml(result, "flags.json") });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    let moved = 0;
    let enrolled = 0;
    let compared = 0;
    try {
      for (const [i, version] of [...VERSIONS, undefined].entries()) {
        const id = i % 2 ? `user-${i}-é` : `user-${i}`;
        const attributes = version === undefined ? {} : { appVersion: version };
        const values = await client.getAllFlags(id, {
          onlyEvaluateLocally: true,
          personProperties: attributes,
        });
        for (const flag of flags) {
          const value = values[flag.key];
          const want = typeof value === "string" ? value : false;
          const v = assay.assign(flag.key, { userId: id, attributes });
          const got = v.inExperiment ? v.variantId : false;
          compared++;
          if (got !== want) moved++;
          if (want !== false) enrolled++;
        }
      }
    } finally {
      await assay.close();
    }
    expect(moved).toBe(0);
    expect(enrolled).toBeGreaterThan(compared / 10);
    expect(enrolled).toBeLessThan(compared - compared / 10);
  }, 120_000);
});

describe("GrowthBook $v* operators: semantics differ, kept NOT reproduced", () => {
  it("GrowthBook compares padded strings: non-semver values compare too, where Assay's rule never holds", () => {
    const gb = (v: string, op: string, target: string) => evalCondition({ v }, { v: { [op]: target } });
    // the brief's versions: GrowthBook agrees with semver on full versions, not on "1.2"
    expect(gb("1.2.3-beta.1", "$vlt", "1.2.3")).toBe(assayCompare("1.2.3-beta.1", "lt", "1.2.3"));
    expect(gb("v2.0.0", "$veq", "2.0.0")).toBe(assayCompare("v2.0.0", "eq", "2.0.0"));
    expect(gb("10.0.0", "$vgt", "9.0.0")).toBe(assayCompare("10.0.0", "gt", "9.0.0"));
    expect(gb("1.2", "$vgt", "1.0.0")).toBe(true);
    expect(assayCompare("1.2", "gt", "1.0.0")).toBe(false);
    let differ = 0;
    for (const v of VERSIONS) if (gb(v, "$vgte", "1.2.0") !== assayCompare(v, "gte", "1.2.0")) differ++;
    expect(differ).toBeGreaterThan(100);
    const e = importGrowthBook({
      features: { f: { rules: [{ key: "k", condition: { v: { $vgte: "1.2.0" } }, variations: [0, 1] }] } },
    }).experiments[0]!;
    expect(e.targeting).toBeUndefined();
    expect(e.notReproduced.join("\n")).toContain("$vgte");
  });
});

describe("Statsig version_* operators, as @statsig/statsig-node-core reads versions", () => {
  const STATSIG_TARGETS = ["1.2.0", "2.0.0", "0.0.3", "10.0.0", "1.2", "0.2.0", "2.0.0-beta", "1.0.0.1", "0"];
  const OPS = ["version_gt", "version_gte", "version_lt", "version_lte", "version_eq", "version_neq"];
  // Rust's trim and i128 reading: White_Space (U+0085 yes, U+FEFF no), "+", leading zeros, overflow
  const EDGES = [
    "\u00851.2.0",
    "\ufeff1.2.0",
    " 1 . 2 ",
    "+1.+2",
    "01.02.00",
    `${"9".repeat(40)}.0`,
    "1.2.x.5",
    "1.2.0.0.1",
    "-1",
    "",
    ".",
    "1..2",
  ];
  const values = [...VERSIONS, ...EDGES];
  const conditionMap: Record<string, unknown> = {};
  const gates: Record<string, unknown> = {};
  const cases: { gate: string; op: string; target: string; field: string }[] = [];
  for (const [t, target] of STATSIG_TARGETS.entries())
    for (const op of OPS)
      for (const field of ["appVersion", "build"]) {
        const gate = `g_${op}_${t}_${field}`;
        conditionMap[gate] = {
          type: "user_field",
          field,
          operator: op,
          targetValue: target,
          idType: "userID",
        };
        gates[gate] = {
          name: gate,
          type: "feature_gate",
          salt: "s",
          enabled: true,
          defaultValue: false,
          entity: "feature_gate",
          idType: "userID",
          rules: [
            {
              name: "r",
              id: "r",
              salt: "r",
              passPercentage: 100,
              returnValue: true,
              idType: "userID",
              conditions: [gate],
            },
          ],
        };
        cases.push({ gate, op, target, field });
      }
  const payload = {
    feature_gates: gates,
    dynamic_configs: {},
    layer_configs: {},
    condition_map: conditionMap,
    experiment_to_layer: {},
    has_updates: true,
    time: 1,
  };
  const sdk = new Statsig("secret-assay-versions", {
    dataStore: {
      initialize: async () => {},
      shutdown: async () => {},
      get: async (key: string) =>
        key.includes("/v2/download_config_specs")
          ? { result: JSON.stringify(payload), time: Date.now() }
          : {},
      set: async () => {},
      supportPollingUpdatesFor: async () => false,
    },
    specAdaptersConfig: [{ adapterType: "data_store", initTimeoutMs: 3000 }],
    disableNetwork: true,
    outputLogLevel: "error",
  });
  beforeAll(async () => {
    expect((await sdk.initialize()).isSuccess).toBe(true);
  });
  afterAll(() => sdk.shutdown());

  it("differs from Assay's semver rule on the brief's versions: 1.2 and 1.2.3-beta.1 pass version_gte 1.2.0, v2.0.0 not", () => {
    const passes = (appVersion: string) =>
      sdk.checkGate(new StatsigUser({ userID: "u", appVersion }), "g_version_gte_0_appVersion", {
        disableExposureLogging: true,
      });
    expect([passes("1.2"), passes("1.2.3-beta.1"), passes("10.0.0"), passes("v2.0.0")]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect([assayCompare("1.2", "gte", "1.2.0"), assayCompare("v2.0.0", "gte", "1.2.0")]).toEqual([
      false,
      true,
    ]);
  });

  it(`the regex of each operator holds exactly where the SDK's gate passes: ${values.length} values x ${cases.length} gates`, () => {
    let passed = 0;
    const patterns = cases.map((c) => {
      const source = statsigVersionSource(c.op, c.target);
      return typeof source === "string" ? new RegExp(source) : undefined;
    });
    for (const v of values) {
      const user = new StatsigUser({ userID: "u", appVersion: v, custom: { build: v } });
      for (const [i, c] of cases.entries()) {
        const want = sdk.checkGate(user, c.gate, { disableExposureLogging: true });
        const got = patterns[i]?.test(v) ?? false;
        expect(got, `${JSON.stringify(v)} ${c.op} ${c.target} (${c.field})`).toBe(want);
        if (want) passed++;
      }
    }
    expect(passed).toBeGreaterThan((values.length * cases.length) / 10);
  });

  it("the import writes a targeting gate of version conditions as matches rules, nothing listed", () => {
    const e = importStatsig(
      {
        ...payload,
        dynamic_configs: {
          x: {
            salt: "x",
            enabled: true,
            entity: "experiment",
            idType: "userID",
            rules: [
              { id: "targetingGate", passPercentage: 100, conditions: ["fail"] },
              { id: "a", groupName: "Control", passPercentage: 100, conditions: ["all"] },
            ],
          },
        },
        condition_map: {
          ...payload.condition_map,
          fail: { type: "fail_gate", targetValue: "g_version_gte_0_appVersion" },
          all: { type: "public" },
        },
      },
      { payloadPath: "./p.json" },
    ).experiments[0]!;
    expect(e.notReproduced).toEqual([]);
    expect(e.targeting?.include).toHaveLength(1);
    expect(e.targeting?.include[0]).toMatch(/^appVersion matches "/);
  });
});
