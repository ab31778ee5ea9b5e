import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOptimizely, manifestToml } from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

const DATAFILE = join(import.meta.dirname, "fixtures", "optimizely-datafile.json");
const datafile = JSON.parse(readFileSync(DATAFILE, "utf8"));

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

/** 10,000 users, half the ids non-ASCII, with string attributes that are each sometimes absent. */
function users(count: number, seed: number): { id: string; attributes: Record<string, string> }[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;
  const out = [];
  for (let i = 0; i < count; i++) {
    const id =
      i % 2 === 0 ? `user-${i}` : `${pick(["é", "Ж", "你", "😀"])}${Math.floor(rand() * 1e9).toString(36)}`;
    const attributes: Record<string, string> = {};
    const country = pick(["US", "CA", "us", "", undefined]);
    if (country !== undefined) attributes.country = country;
    const plan = pick(["pro", "free", "", undefined]);
    if (plan !== undefined) attributes.plan = plan;
    const email = pick(["a@acme.com", "b@ACME.com", "c@example.org", undefined]);
    if (email !== undefined) attributes.email = email;
    out.push({ id, attributes });
  }
  return [...out, { id: "forced-user", attributes: {} }, { id: "qa-1", attributes: { country: "US" } }];
}

describe("assay import optimizely", () => {
  const result = importOptimizely(datafile);
  const toml = manifestToml(result, "optimizely-datafile.json");
  const byId = Object.fromEntries(result.experiments.map((e) => [e.id, e]));
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

  it("one experiment per datafile experiment: allocation as ends or ranges, the allowlist, groups, audiences as targeting", () => {
    expect(result.experiments.map((e) => e.id)).toEqual([
      "opt-checkout",
      "opt-partial",
      "opt-geo",
      "opt-and",
      "opt-paused",
      "opt-gap",
      "opt-or",
      "opt-group-1",
    ]);
    expect(byId["opt-checkout"]).toMatchObject({
      hashing: {
        mode: "optimizely",
        experimentId: "1886780801",
        ends: [3333, 6666, 10000],
        allowlist: { "treatment-b": ["forced-user"], control: ["qa-1"] },
      },
      notReproduced: [],
    });
    expect(byId["opt-checkout"]!.forced).toBeUndefined();
    // allocation order, not datafile order; the first variation stays the control
    expect(byId["opt-partial"]!.variants.map((v) => [v.id, v.isControl])).toEqual([
      ["on", false],
      ["off", true],
    ]);
    expect(byId["opt-and"]!.targeting?.include).toEqual([
      'country == "US"',
      "plan exists",
      'email matches "@acme\\\\."',
    ]);
    expect(byId["opt-gap"]).toMatchObject({
      hashing: {
        allocation: [{ variant: "control", end: 3000 }, { end: 5000 }, { variant: "variant", end: 9000 }],
      },
      traffic: 0.7,
      notReproduced: [],
    });
    expect(byId["opt-or"]!.notReproduced.join("\n")).toContain("an OR of 2 conditions");
    expect(byId["opt-group-1"]).toMatchObject({
      hashing: {
        group: {
          id: "60001",
          allocation: [
            { experiment: "1886780901", end: 4000 },
            { experiment: "1886780902", end: 9000 },
          ],
        },
      },
      notReproduced: [],
    });
    expect(byId["opt-paused"]!.enabled).toBe(false);
    const split = importOptimizely({
      experiments: [
        {
          key: "split",
          id: "1",
          status: "Running",
          variations: [
            { id: "a", key: "a" },
            { id: "b", key: "b" },
          ],
          trafficAllocation: [
            { entityId: "a", endOfRange: 3000 },
            { entityId: "b", endOfRange: 6000 },
            { entityId: "a", endOfRange: 10000 },
          ],
        },
      ],
    }).experiments[0]!;
    expect(split.notReproduced).toEqual([]);
    expect(split.hashing).toMatchObject({
      allocation: [
        { variant: "a", end: 3000 },
        { variant: "b", end: 6000 },
        { variant: "a", end: 10000 },
      ],
    });
    expect(split.variants.map((v) => [v.id, v.weight])).toEqual([
      ["a", 7000],
      ["b", 3000],
    ]);
    expect(() => parseManifest(toml, "assay.toml")).not.toThrow();
  });

  it("10,000 users with attributes: the imported manifest assigns and enrols exactly as getVariation where nothing is listed", async () => {
    const dir = tempDir({ "assay.toml": toml });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const moved = new Map<string, number>();
    const enrolled = new Map<string, number>();
    try {
      for (const user of users(10_000, 4242)) {
        const ctx = client.createUserContext(user.id, user.attributes);
        expect(ctx).not.toBeNull();
        for (const e of result.experiments) {
          const want = client.getVariation(e.id, user.id, user.attributes);
          const v = assay.assign(e.id, { userId: user.id, attributes: user.attributes });
          const got = v.inExperiment ? v.variantId : null;
          if (got !== want) moved.set(e.id, (moved.get(e.id) ?? 0) + 1);
          if (got !== null) enrolled.set(e.id, (enrolled.get(e.id) ?? 0) + 1);
        }
      }
    } finally {
      await assay.close();
    }
    for (const id of [
      "opt-checkout",
      "opt-partial",
      "opt-geo",
      "opt-and",
      "opt-paused",
      "opt-gap",
      "opt-group-1",
    ]) {
      expect(moved.get(id) ?? 0, id).toBe(0);
      if (id !== "opt-paused") expect(enrolled.get(id) ?? 0, id).toBeGreaterThan(300);
    }
    // what is listed does move: measured, so the notes are not idle
    expect(moved.get("opt-or") ?? 0).toBeGreaterThan(100);
  });

  it("the command lists per experiment what it cannot reproduce, and the manifest validates", () => {
    const dir = tempDir({});
    const out = join(dir, "assay.toml");
    const run = cli(["import", "optimizely", DATAFILE, "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('opt-geo: targeting carried over: include country == "US" AND plan exists');
    expect(run.stderr).toMatch(/opt-or: not reproduced: audiences \["9001","9003"\] \(an OR of 2 conditions/);
    expect(run.stderr).not.toMatch(/opt-(gap|group-1|checkout): not reproduced/);
    expect(run.stderr).toMatch(
      /imported 8 experiment\(s\) .* 2 with targeting carried over, 2 item\(s\) not reproduced/,
    );
    expect(cli(["validate", out]).code).toBe(0);
    const bad = cli([
      "import",
      "optimizely",
      join(import.meta.dirname, "fixtures", "growthbook-payload.json"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no experiment in the payload");
    const dirty = tempDir({ "flags.json": JSON.stringify({ flags: [] }) });
    const notADatafile = cli(["import", "optimizely", join(dirty, "flags.json")]);
    expect(notADatafile.code).toBe(1);
    expect(notADatafile.stderr).toContain("an Optimizely datafile is a JSON object with `experiments`");
  });
});
