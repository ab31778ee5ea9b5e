import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryEventStore, type UnleashHashing } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { InMemStorageProvider, Unleash } from "unleash-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importUnleash, manifestToml } from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

const FEATURES = join(import.meta.dirname, "fixtures", "unleash-features.json");
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

/** 10,000 users (half the ids non-ASCII) with string properties, each sometimes absent, and the overridden one. */
function users(count: number, seed: number): { id: string; attributes: Record<string, string> }[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;
  const out = [{ id: "forced-1", attributes: {} as Record<string, string> }];
  for (let i = 0; i < count; i++) {
    const id =
      i % 2 === 0
        ? `user-${i}`
        : `${pick(["é", "Ж", "你", "😀", "İ"])}${Math.floor(rand() * 1e9).toString(36)}`;
    const attributes: Record<string, string> = {};
    const country = pick(["US", "CA", " CA", "us", "", undefined]);
    if (country !== undefined) attributes.country = country;
    const plan = pick(["pro", "enterprise", "free", "PRO", undefined]);
    if (plan !== undefined) attributes.plan = plan;
    const email = pick(["a@acme.com", "b@ACME.COM", "c@acme.co", "d@example.org", undefined]);
    if (email !== undefined) attributes.email = email;
    out.push({ id, attributes });
  }
  return out;
}

describe("assay import unleash", () => {
  const result = importUnleash(payload);
  const toml = manifestToml(result, "unleash-features.json");
  const byId = Object.fromEntries(result.experiments.map((e) => [e.id, e]));
  let client: Unleash;

  beforeAll(async () => {
    // bootstrap only: refreshInterval 0 never polls, metrics are off, storage is in memory
    client = new Unleash({
      appName: "assay-cli-import-test",
      url: "http://unleash.invalid/api/",
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: payload.features },
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  });
  afterAll(() => {
    client.destroy();
  });

  it("one experiment per toggle with variants: rollout, group ids, constraints as targeting, overrides", () => {
    expect(result.experiments.map((e) => e.id)).toEqual([
      "ul-checkout",
      "ul-geo",
      "ul-mail",
      "ul-inverted",
      "ul-forced",
      "ul-disabled",
      "ul-two-strategies",
    ]);
    expect(result.skipped).toEqual([expect.stringContaining('toggle "ul-flag": fewer than 2 variants')]);
    const strategy = (id: string) => (byId[id]!.hashing as UnleashHashing).strategies!;
    expect(byId["ul-checkout"]).toMatchObject({
      traffic: 1,
      hashing: { mode: "unleash", groupId: "ul-checkout" },
    });
    expect(strategy("ul-checkout")).toEqual([
      { enabled: true, rollout: 60, groupId: "checkout-g", stickiness: "default" },
    ]);
    expect(strategy("ul-geo")[0]!.targeting).toEqual({
      include: ['country in ["US", "CA"]', 'plan not in ["enterprise"]'],
      exclude: [],
    });
    expect(strategy("ul-inverted")[0]).toMatchObject({
      groupId: "",
      variantGroupId: "undefined",
      targeting: { include: [], exclude: ['plan matches "pro"'] },
    });
    expect(byId["ul-forced"]!.hashing).toMatchObject({
      overrides: [{ variant: "control", field: "userId", values: ["forced-1"] }],
    });
    expect(strategy("ul-two-strategies")).toHaveLength(2);
    for (const e of result.experiments) expect(e.notReproduced, e.id).toEqual([]);
    const regex = importUnleash([
      {
        name: "v",
        strategies: [
          {
            name: "default",
            constraints: [{ contextName: "version", operator: "REGEX", value: "^1\\." }],
          },
        ],
        variants: [
          { name: "a", weight: 500 },
          { name: "b", weight: 500 },
        ],
      },
    ]).experiments[0]!;
    expect((regex.hashing as UnleashHashing).strategies![0]!.targeting).toBeUndefined();
    expect(regex.notReproduced.join("\n")).toContain("operator not reproduced");
  });

  it("10,000 users with properties: the imported manifest assigns exactly as getVariant where nothing else is listed", async () => {
    const dir = tempDir({ "assay.toml": toml });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const moved = new Map<string, number>();
    const enrolled = new Map<string, number>();
    try {
      for (const user of users(10_000, 777)) {
        for (const e of result.experiments) {
          const variant = client.getVariant(e.id, { userId: user.id, properties: user.attributes });
          const want = variant.enabled ? variant.name : false;
          const v = assay.assign(e.id, { userId: user.id, attributes: user.attributes });
          const got = v.inExperiment || v.reason === "forced" ? v.variantId : false;
          if (got !== want) moved.set(e.id, (moved.get(e.id) ?? 0) + 1);
          if (got !== false) enrolled.set(e.id, (enrolled.get(e.id) ?? 0) + 1);
        }
      }
    } finally {
      await assay.close();
    }
    // every toggle, the one with two strategies too (see import-unleash-strategies.test.ts for sessionIds)
    for (const e of result.experiments) {
      expect(moved.get(e.id) ?? 0, e.id).toBe(0);
      if (e.id !== "ul-disabled") expect(enrolled.get(e.id) ?? 0, e.id).toBeGreaterThan(500);
    }
  });

  it("the command writes a manifest that validates and lists the rest per experiment", () => {
    const dir = tempDir({});
    const out = join(dir, "assay.toml");
    const run = cli(["import", "unleash", FEATURES, "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("not reproduced:");
    expect(run.stderr).toMatch(/imported 7 experiment\(s\) .* 0 item\(s\) not reproduced/);
    expect(readFileSync(out, "utf8")).toContain(
      'strategies = [{ enabled = true, rollout = 20, group_id = "g1"',
    );
    expect(cli(["validate", out]).code).toBe(0);
  });
});
