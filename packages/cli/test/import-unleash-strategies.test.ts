import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryEventStore, type UnleashHashing } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importUnleash, manifestToml } from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

// a client API payload (/api/client/features with segments): several strategies with constraints, two
// segments, a strategy without groupId, default stickiness, uneven strategy variants sticking to a property,
// partial rollouts, legacy toggle variants with overrides, constraints the mode cannot say
const FEATURES = join(import.meta.dirname, "fixtures", "unleash-strategies.json");
const payload = JSON.parse(readFileSync(FEATURES, "utf8"));

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

interface Who {
  userId?: string;
  sessionId?: string;
  attributes: Record<string, string>;
}

/**
 * `count` contexts: half the ids non-ASCII (unpaired surrogates included), a tenth with only a sessionId, a
 * few of the pinned users, properties each sometimes absent (versions the SDK refuses among them).
 */
function contexts(count: number, seed: number): Who[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;
  const id = (i: number, kind: string) =>
    i % 2 === 0
      ? `${kind}-${i}`
      : `${pick(["é", "Ж", "你", "😀", "İ", "\ud800", "ß"])}${Math.floor(rand() * 1e9).toString(36)}`;
  const out: Who[] = [];
  for (let i = 0; i < count; i++) {
    const who: Who = { attributes: {} };
    const shape = rand();
    if (shape < 0.1) who.sessionId = id(i, "session");
    else {
      who.userId =
        rand() < 0.01 ? pick(["qa-1", "qa-3", " qa-3 ", "alice", "bob", "carol", "dave"]) : id(i, "user");
      if (shape < 0.4) who.sessionId = id(i + 1, "session");
    }
    const set = (key: string, values: readonly (string | undefined)[]) => {
      const v = pick(values);
      if (v !== undefined) who.attributes[key] = v;
    };
    set("country", ["DE", "FR", "NL", "US", "de", " DE", undefined]);
    set("plan", ["enterprise", "Enterprise", "ENT-trial", "pro", "free", "research", undefined]);
    set("tenantId", [`t-${Math.floor(rand() * 200)}`, `tenant-ü${Math.floor(rand() * 50)}`, undefined]);
    set("appVersion", [
      "2.3.9",
      "2.4.0",
      "2.10.1",
      "3.0.0",
      "1.9.9",
      "v2.5.0",
      " 2.4.1 ",
      "2.4.0-beta.1",
      "02.4.0",
      "garbage",
      undefined,
    ]);
    set("platform", ["ios", "android", "web", "IOS", undefined]);
    set("beta", ["true", "false", undefined]);
    set("email", ["a@acme.com", "b@ACME.COM", "c@acme.co", "d@example.org", "e@acme.com.evil", undefined]);
    out.push(who);
  }
  return out;
}

describe("assay import unleash: strategies, segments, stickiness, against unleash-client", () => {
  const result = importUnleash(payload);
  const byId = Object.fromEntries(result.experiments.map((e) => [e.id, e]));
  let client: Unleash;

  beforeAll(async () => {
    // bootstrap only (toggles and segments): refreshInterval 0 never polls, metrics off, storage in memory
    client = new Unleash({
      appName: "assay-cli-import-test",
      url: "http://unleash.invalid/api/",
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: payload.features, segments: payload.segments },
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  });
  afterAll(() => {
    client.destroy();
  });

  it("writes every strategy in order, with segments, groups and stickiness as the SDK hashes them", () => {
    expect(result.skipped).toEqual([expect.stringContaining('toggle "dark-mode": fewer than 2 variants')]);
    const checkout = byId["checkout-redesign"]!;
    expect(checkout.hashing).toMatchObject({ mode: "unleash", toggleVariants: false });
    const strategies = (checkout.hashing as UnleashHashing).strategies!;
    expect(strategies).toHaveLength(3);
    // the segment's constraint is ANDed with the strategy's: one rule for the version comparison, the IN
    expect(strategies[1]!.targeting).toMatchObject({
      include: [expect.stringMatching(/^appVersion matches /), 'platform in ["ios", "android"]'],
    });
    expect(strategies[2]).toMatchObject({ rollout: 10, groupId: "", variantGroupId: "undefined" });
    expect(byId["pricing-page"]!.hashing).toMatchObject({
      strategies: [{ stickiness: "tenantId", variantStickiness: "tenantId" }, { rollout: 100 }],
    });
    for (const id of [
      "checkout-redesign",
      "pricing-page",
      "search-ranking",
      "onboarding-flow",
      "new-navigation",
    ])
      expect(byId[id]!.notReproduced, id).toEqual([]);
    expect((byId["new-navigation"]!.hashing as UnleashHashing).strategies![0]!.targeting!.exclude).toEqual([
      expect.stringMatching(/^appVersion matches /),
    ]);
    expect(byId["holiday-banner"]!.notReproduced.join("\n")).toMatch(/DATE_AFTER.*\n.*SEMVER_LT.*inverted/);
  });

  it("50,000 contexts: getVariant and isEnabled agree with the imported manifest wherever the SDK does not draw at random", async () => {
    const dir = tempDir({ "assay.toml": manifestToml(result, "unleash-strategies.json") });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const differences = new Map<string, number>();
    const randomDraws = new Map<string, number>();
    const enrolled = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    // every random draw of the SDK goes through Math.random: counting them says which answers are random
    const realRandom = Math.random;
    let draws = 0;
    Math.random = () => {
      draws++;
      return realRandom();
    };
    const all = contexts(50_000, 20261203);
    try {
      for (const who of all) {
        const context = {
          ...(who.userId === undefined ? {} : { userId: who.userId }),
          ...(who.sessionId === undefined ? {} : { sessionId: who.sessionId }),
          properties: who.attributes,
        };
        for (const e of result.experiments) {
          const before = draws;
          const variant = client.getVariant(e.id, context);
          const enabled = client.isEnabled(e.id, context);
          const drew = draws !== before;
          const v = assay.assign(e.id, who);
          const got = v.inExperiment || v.reason === "forced" ? v.variantId : false;
          if (got !== false) bump(enrolled, e.id);
          if (drew) {
            // nobody can reproduce a draw: Assay answers anonymous exactly there
            bump(randomDraws, e.id);
            if (v.reason !== "anonymous") bump(differences, e.id);
            continue;
          }
          const want = variant.enabled ? variant.name : false;
          if (got !== want || v.reason === "anonymous" || (got !== false && !enabled))
            bump(differences, e.id);
        }
      }
    } finally {
      Math.random = realRandom;
      await assay.close();
    }
    // what the test measured, for the README
    console.info(
      JSON.stringify({
        contexts: all.length,
        differences: Object.fromEntries(differences),
        randomDraws: Object.fromEntries(randomDraws),
        enrolled: Object.fromEntries(enrolled),
      }),
    );
    for (const e of result.experiments) {
      if (e.notReproduced.length === 0) expect(differences.get(e.id) ?? 0, e.id).toBe(0);
      expect(enrolled.get(e.id) ?? 0, e.id).toBeGreaterThan(500);
    }
    // variants sticking to tenantId draw for contexts without one (the rollout sticks to the user)
    expect(randomDraws.get("new-navigation") ?? 0).toBeGreaterThan(100);
    expect(randomDraws.get("checkout-redesign") ?? 0).toBe(0);
  }, 120_000);

  it("the command writes a manifest that validates and assigns a sessionId-only context", () => {
    const dir = tempDir({});
    const out = join(dir, "assay.toml");
    const run = cli(["import", "unleash", FEATURES, "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/holiday-banner: not reproduced: strategy 1 .*DATE_AFTER/);
    expect(cli(["validate", out]).code).toBe(0);
    const assigned = cli(["assign", "onboarding-flow", "--session", "s-1", "--manifest", out]);
    expect(assigned.code).toBe(0);
    const sdk = client.getVariant("onboarding-flow", { sessionId: "s-1" });
    const answer = JSON.parse(assigned.stdout);
    expect(answer.inExperiment ? answer.variant : false).toBe(sdk.enabled ? sdk.name : false);
  });
});
