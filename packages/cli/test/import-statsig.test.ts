import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importStatsig, manifestToml } from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

/**
 * Written for these tests in the shape of Statsig's v2 `/v2/download_config_specs` response (what
 * `@statsig/statsig-node-core` downloads: specs keyed by name, conditions in `condition_map`, layers with
 * `experimentAssignment` delegation, `experiment_to_layer`), from a seeded generator: random salts, 22-character
 * rule ids, layer allocations as bucket maps. The SDK below loads it, so its shape is one Statsig accepts.
 */
const FIXTURE = join(import.meta.dirname, "fixtures", "statsig-specs.json");
const payload = JSON.parse(readFileSync(FIXTURE, "utf8"));

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface User {
  readonly id: string;
  readonly companyID: string;
  readonly attributes: Record<string, string>;
}

/**
 * Users with StatsigUser fields as string attributes, each sometimes absent or empty: countries in several
 * cases, e-mails in several domains and cases (some with a Kelvin sign or a dotted İ), plans, ages (numbers,
 * edges, "inf", not numbers), app versions; half the ids non-ASCII, a few of the QA ids the targeting excludes.
 */
function users(count: number, seed: number): User[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;
  const wide = ["é", "Ж", "你", "😀", "\u212a", "İ"];
  const out: User[] = [];
  for (let i = 0; i < count; i++) {
    let id = i % 500 === 7 ? pick(["qa-user-1", "QA-user-2", "qa-USER-1"]) : `u${i}`;
    if (i % 2 === 1) id += pick(wide) + Math.floor(rand() * 1e6).toString(36);
    const attributes: Record<string, string> = {};
    const set = (name: string, value: string | undefined) => {
      if (value !== undefined) attributes[name] = value;
    };
    set("country", pick(["US", "CA", "GB", "gb", "us", "Us", "FR", "DE", "", undefined]));
    const local = pick(["ann", "bob", "x9", "Zoe", "qa+qa", "kim", "ıvy"]);
    const domain = pick([
      "acme.com",
      "ACME.com",
      "globex.com",
      "statsig.com",
      "Statsig.COM",
      "test.io",
      "acme.co",
    ]);
    set("email", rand() < 0.9 ? `${local}@${domain}` : undefined);
    set("plan", pick(["pro", "PRO", "enterprise", "Enterprise", "free", "banned", "Banned", undefined]));
    set("age", pick(["17", "18", "18.5", "65", " 30", "1e2", "abc", "inf", "", undefined]));
    set("appVersion", pick(["1.2", "1.2.3-beta.1", "v2.0.0", "10.0.0", "2.0.0", "1.9.9", "2.0", undefined]));
    out.push({ id, companyID: `c${Math.floor(rand() * 5000)}${i % 3 === 0 ? "é" : ""}`, attributes });
  }
  return out;
}

/** The StatsigUser the app would build from the same user. */
function statsigUser(user: User): StatsigUser {
  const { email, country, appVersion, ...custom } = user.attributes;
  return new StatsigUser({
    userID: user.id,
    customIDs: { companyID: user.companyID },
    ...(email === undefined ? {} : { email }),
    ...(country === undefined ? {} : { country }),
    ...(appVersion === undefined ? {} : { appVersion }),
    custom,
  });
}

describe("assay import statsig", () => {
  const result = importStatsig(payload, { payloadPath: "./statsig-specs.json" });
  const toml = manifestToml(result, "statsig-specs.json");
  const byId = Object.fromEntries(result.experiments.map((e) => [e.id, e]));
  // the real SDK, offline: the payload through its data-store adapter, the network off
  const sdk = new Statsig("secret-assay-import", {
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

  it("imports the experiments, skips configs, autotune and the experiment not started", () => {
    expect(Object.keys(byId).sort()).toEqual(
      ["checkout_flow", "onboarding_v2", "pricing_page", "search_ranking", "team_dashboard"].sort(),
    );
    expect(result.skipped.join("\n")).toMatch(/dynamic_config "app_settings": not an experiment/);
    expect(result.skipped.join("\n")).toMatch(/autotune "banner_autotune"/);
    expect(result.skipped.join("\n")).toMatch(/experiment "new_nav": no group rule/);
    expect(byId.checkout_flow!.variants.map((v) => [v.id, v.weight, v.isControl])).toEqual([
      ["Control", 334, true],
      ["Test", 333, false],
      ["Test 2", 333, false],
    ]);
    expect(byId.team_dashboard!.unit).toBe("companyID");
  });

  it("writes a targeting gate of simple conditions as targeting rules, and the mode passes the gate's rule over", () => {
    expect(byId.checkout_flow!.targeting).toEqual({
      include: ['country matches "^(?:[uU][sS]|[cC][aA]|[gG][bB])$"'],
      exclude: [
        'email matches "(?:\\\\+[qQ][aA]|@[tT][eE][sS][tT]\\\\.)"',
        'plan == "banned"',
        'userId matches "^(?:[qQ][aA]\\\\-[uU][sS][eE][rR]\\\\-1|[qQ][aA]\\\\-[uU][sS][eE][rR]\\\\-2)$"',
        'email matches "(?:@[sS][tT][aA][tT][sS][iI][gG]\\\\.[cC][oO][mM]|@[aA][cC][mM][eE]\\\\-[cC][oO][rR][pP]\\\\.[iI][oO])$"',
      ],
    });
    expect(byId.checkout_flow!.hashing).toMatchObject({ mode: "statsig", skipRules: ["targetingGate"] });
    expect(byId.checkout_flow!.notReproduced).toEqual([]);
    expect(byId.team_dashboard!.notReproduced).toEqual([
      'bucketed by the custom id "companyID": put it in the context as attributes.companyID',
    ]);
    // the holdout gate is a hash: the mode evaluates it, nothing to skip
    expect(byId.search_ranking!.hashing).not.toHaveProperty("skipRules");
    expect(byId.search_ranking!.targeting).toBeUndefined();
    expect(byId.search_ranking!.notReproduced).toEqual([]);
    expect(toml).toContain('skip_rules = ["targetingGate"]');
  });

  it("lists what it cannot reproduce: IP-derived fields, numbers' infinity", () => {
    const onboarding = byId.onboarding_v2!.notReproduced.join("\n");
    expect(onboarding).toContain("ip_based");
    expect(onboarding).toContain("derived by Statsig from the IP address");
    // a version comparison is carried over (as Statsig reads versions), the gate's other condition is not
    expect(byId.team_dashboard!.targeting?.include.some((r) => r.startsWith("appVersion matches"))).toBe(
      true,
    );
    expect(byId.onboarding_v2!.targeting).toBeUndefined();
    expect(byId.onboarding_v2!.hashing).toMatchObject({ skipRules: ["targetingGate"] });
    expect(byId.pricing_page!.notReproduced.join("\n")).toContain('"inf"');
    expect(toml).toContain("# NOT reproduced by hashing");
  });

  it("50,000 users: the imported manifest assigns and enrolls as @statsig/statsig-node-core", async () => {
    const dir = tempDir({ "assay.toml": toml });
    copyFileSync(FIXTURE, join(dir, "statsig-specs.json"));
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const ids = Object.keys(byId);
    const moved = new Map<string, number>(ids.map((id) => [id, 0]));
    const enrolled = new Map<string, number>(ids.map((id) => [id, 0]));
    const targetedOut = new Map<string, number>(ids.map((id) => [id, 0]));
    const population = users(50_000, 1203);
    let movedFinite = 0;
    try {
      for (const user of population) {
        const su = statsigUser(user);
        for (const id of ids) {
          const want = sdk.getExperiment(su, id, { disableExposureLogging: true }).groupName ?? false;
          const v = assay.assign(id, {
            userId: user.id,
            attributes: { ...user.attributes, companyID: user.companyID },
          });
          const got = v.inExperiment ? v.variantId : false;
          if (got !== want) moved.set(id, moved.get(id)! + 1);
          if (got !== want && id === "pricing_page" && user.attributes.age !== "inf") movedFinite++;
          if (want !== false) enrolled.set(id, enrolled.get(id)! + 1);
          if (v.reason === "targeting") targetedOut.set(id, targetedOut.get(id)! + 1);
        }
      }
    } finally {
      await assay.close();
    }
    console.log(
      "statsig import, 50,000 users, moved:",
      Object.fromEntries(moved),
      "enrolled:",
      Object.fromEntries(enrolled),
    );
    expect(population.filter((u) => [...u.id].some((c) => c.charCodeAt(0) > 0x7f)).length).toBe(25_000);
    // every experiment reported as reproduced (no NOT reproduced line but the unit's) moves nobody
    for (const id of ["checkout_flow", "search_ranking", "team_dashboard"]) {
      expect(moved.get(id), id).toBe(0);
      expect(enrolled.get(id), id).toBeGreaterThan(1_000);
    }
    for (const id of ["checkout_flow", "team_dashboard", "pricing_page"])
      expect(targetedOut.get(id), id).toBeGreaterThan(5_000);
    // what the import lists does move users: "inf" ages (and only those), the IP-country rule
    expect(moved.get("pricing_page")).toBeGreaterThan(0);
    expect(movedFinite).toBe(0);
    expect(moved.get("onboarding_v2")).toBeGreaterThan(1_000);
  });

  it("reads the v1 format (spec lists, conditions inline) as the v2 one", () => {
    const inline = (spec: { rules: { conditions: string[] }[] }) => ({
      ...spec,
      rules: spec.rules.map((r) => ({ ...r, conditions: r.conditions.map((k) => payload.condition_map[k]) })),
    });
    const list = (specs: Record<string, { rules: { conditions: string[] }[] }>) =>
      Object.entries(specs).map(([name, spec]) => ({ name, ...inline(spec) }));
    const v1 = {
      feature_gates: list(payload.feature_gates),
      dynamic_configs: list(payload.dynamic_configs),
      layer_configs: list(payload.layer_configs),
      has_updates: true,
      time: payload.time,
    };
    const fromV1 = importStatsig(v1, { payloadPath: "./statsig-specs.json" });
    expect(fromV1.experiments.map((e) => e.origin.replace(/ \(.*\)$/, ""))).toEqual(
      result.experiments.map((e) => e.origin.replace(/ \(.*\)$/, "")),
    );
    expect(fromV1.experiments.map(({ origin, ...e }) => e)).toEqual(
      result.experiments.map(({ origin, ...e }) => e),
    );
  });

  it("names the JSON path of what it cannot read", () => {
    const broken = structuredClone(payload);
    broken.dynamic_configs.checkout_flow.rules[1].conditions = ["404"];
    expect(() => importStatsig(broken, { payloadPath: "./x.json" })).toThrow(
      '$.dynamic_configs.checkout_flow.rules[1].conditions[0]: names condition "404", which $.condition_map does not hold',
    );
    const noSalt = structuredClone(payload);
    delete noSalt.feature_gates.employees.salt;
    expect(() => importStatsig(noSalt, { payloadPath: "./x.json" })).toThrow(
      "$.feature_gates.employees.salt: not a string",
    );
    expect(() => importStatsig({ flags: [] }, { payloadPath: "./x.json" })).toThrow("download_config_specs");
  });

  it("the command writes the manifest with the payload path relative to it, and refuses stdin", () => {
    const dir = tempDir({});
    copyFileSync(FIXTURE, join(dir, "specs.json"));
    const out = cli(["import", "statsig", "specs.json", "-o", "assay.toml"], { cwd: dir });
    expect(out.stderr).toContain("imported 5 experiment(s)");
    expect(out.code).toBe(0);
    expect(readFileSync(join(dir, "assay.toml"), "utf8")).toContain('payload = "./specs.json"');
    const stdin = cli(["import", "statsig", "-"], { cwd: dir, input: "{}" });
    expect(stdin.code).toBe(1);
    expect(stdin.stderr).toContain("give the file, not -");
  });
});
