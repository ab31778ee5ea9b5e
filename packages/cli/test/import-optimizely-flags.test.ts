import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOptimizely, manifestToml } from "../src/index.js";
import { tempDir } from "./helpers.js";

/**
 * A modern datafile written for this test (fixtures/optimizely-datafile-flags.json, by hand after the v4 format
 * the SDK reads): experiments with uneven weights, a gap and a variation in two ranges, allowlists (one pointing at
 * no variation), a paused one, a random group with its own gap and an overlapping one, typed audiences with
 * simple conditions, and flags: one with two experiments (80 % with an allowlist, 60 % with an audience) and a
 * rollout, one
 * with three delivery rules (the second at 50 %, Everyone Else at 20 %), one with a targeted rule and a partial
 * Everyone Else, and one whose experiment has an OR of two audiences and comes before an Everyone Else. The imported manifest is assigned through the runtime and compared with the
 * SDK, offline from the datafile: getVariation for every experiment, decide for every flag.
 */
const DATAFILE = join(import.meta.dirname, "fixtures", "optimizely-datafile-flags.json");
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

const NON_ASCII = ["你好", "東京", "서울", "😀", "🚀", "é", "ñ", "ø", "Ж", "ü", "ç"];

/** `count` users, half the ids non-ASCII (CJK, emoji, accents), attributes each sometimes absent, then the allowlisted users. */
function users(count: number, seed: number): { id: string; attributes: Record<string, string> }[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;
  const out = [];
  for (let i = 0; i < count; i++) {
    const base = Math.floor(rand() * 1e12).toString(36);
    const id = i % 2 === 0 ? `user-${base}` : `${pick(NON_ASCII)}${base}${pick(NON_ASCII)}`;
    const attributes: Record<string, string> = {};
    const country = pick(["US", "CA", "FR", "us", "", undefined]);
    if (country !== undefined) attributes.country = country;
    const plan = pick(["pro", "free", "", undefined]);
    if (plan !== undefined) attributes.plan = plan;
    const email = pick(["a@acme.com", "b@ACME.com", "c@example.org", "d@acme.io", undefined]);
    if (email !== undefined) attributes.email = email;
    out.push({ id, attributes });
  }
  const qa = ["qa-alice", "qa-bob", "qa-carol", "qa-dave", "qa-nobody"];
  return [
    ...out,
    ...qa.map((id) => ({ id, attributes: {} })),
    { id: "qa-carol", attributes: { country: "US" } },
  ];
}

const allExperiments: { id: string; key: string }[] = [
  ...datafile.experiments,
  ...datafile.groups.flatMap((g: { experiments: unknown[] }) => g.experiments),
];

/**
 * The flag and rule key of an imported experiment: a delivery rule (`flag:rule`) or an experiment of a flag's
 * `experimentIds`. decide should give it the variation exactly when decide's rule is that one.
 */
function ruleOf(experiment: string): { flag: string; rule: string } | undefined {
  for (const flag of datafile.featureFlags) {
    if (experiment.startsWith(`${flag.key}:`))
      return { flag: flag.key, rule: experiment.slice(flag.key.length + 1) };
    const keys = (flag.experimentIds as string[]).map((id) => allExperiments.find((e) => e.id === id)?.key);
    if (keys.includes(experiment)) return { flag: flag.key, rule: experiment };
  }
  return undefined;
}

describe("assay import optimizely: a datafile with groups, gaps, allowlists, flags and rollouts, against the SDK", () => {
  const result = importOptimizely(datafile);
  const toml = manifestToml(result, "optimizely-datafile-flags.json");
  const byId = Object.fromEntries(result.experiments.map((e) => [e.id, e]));
  const listed = new Set(result.experiments.filter((e) => e.notReproduced.length > 0).map((e) => e.id));
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

  it("lists exactly what the manifest cannot reproduce", () => {
    expect(result.experiments.map((e) => e.id)).toEqual([
      "checkout_v2",
      "pricing_page",
      "onboarding_old",
      "checkout_copy",
      "search_ranking",
      "hero_image",
      "grp_pricing",
      "grp_banner",
      "grp_partial",
      "overlap_exp",
      "checkout:checkout_us",
      "checkout:checkout_everyone",
      "new_nav:nav_staff",
      "new_nav:nav_pro_half",
      "new_nav:nav_everyone",
      "dark_mode:dm_canada",
      "dark_mode:dm_everyone",
      "search:search_everyone",
    ]);
    expect([...listed].sort()).toEqual(
      [
        "pricing_page", // allowlist with audiences: forced units, not enrolled
        "onboarding_old", // paused
        "checkout_copy", // second experiment of a flag
        "search_ranking", // an OR of two audiences: everyone is bucketed here
        "search:search_everyone", // after a flag experiment with an OR of audiences
        "new_nav:nav_everyone", // Everyone Else after a 50 % rule
      ].sort(),
    );
    expect(byId.grp_banner!.hashing).toEqual({
      mode: "optimizely",
      experimentId: "2102",
      allocation: [
        { variant: "x", end: 3000 },
        { variant: "y", end: 7000 },
        { variant: "x", end: 10000 },
      ],
      group: {
        id: "3001",
        allocation: [
          { experiment: "2101", end: 3000 },
          { end: 4000 },
          { experiment: "2102", end: 8500 },
          { experiment: "2103", end: 10000 },
        ],
      },
      allowlist: { y: ["qa-dave"] },
    });
    expect(byId.overlap_exp!.hashing).not.toHaveProperty("group");
    // the flag's experiments come first: the rollout's rules leave out the units they serve
    expect(byId["checkout:checkout_everyone"]!.hashing).toMatchObject({
      after: [
        { experiment: "2001", served: [[0, 8000]], allowlist: ["qa-alice", "qa-bob"] },
        { experiment: "2004", served: [[0, 6000]], audience: { include: ["plan exists"], exclude: [] } },
      ],
    });
    expect(byId["new_nav:nav_pro_half"]!.targeting).toEqual({
      include: ['plan == "pro"'],
      exclude: ['email matches "@acme\\\\."'],
    });
    expect(result.skipped).toEqual(['rollouts[4] ("r5"): no flag delivers it, so decide never reads it']);
  });

  it("50,000 users, half non-ASCII: variant and enrolment as getVariation and decide, 0 differences where nothing is listed", async () => {
    const dir = tempDir({ "assay.toml": toml });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const experiments = result.experiments.map((e) => e.id);
    const getVariationKeys = experiments.filter((id) => !id.includes(":"));
    const variantDiffs = new Map<string, number>();
    const enrolDiffs = new Map<string, number>();
    const enrolled = new Map<string, number>();
    const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
    let compared = 0;
    try {
      for (const user of users(50_000, 20261203)) {
        compared++;
        const context = client.createUserContext(user.id, user.attributes)!;
        const decisions = context.decideAll();
        const ours = new Map(
          experiments.map((id) => {
            const v = assay.assign(id, { userId: user.id, attributes: user.attributes });
            const variant = v.inExperiment || v.reason === "forced" ? v.variantId : null;
            return [id, { variant, enrolled: v.inExperiment }] as const;
          }),
        );
        const check = (id: string, want: string | null) => {
          const got = ours.get(id)!;
          if (got.variant !== want) count(variantDiffs, id);
          if (got.enrolled !== (want !== null)) count(enrolDiffs, id);
          if (got.enrolled) count(enrolled, id);
        };
        for (const key of getVariationKeys) check(key, client.getVariation(key, user.id, user.attributes));
        for (const id of experiments) {
          const where = ruleOf(id);
          if (where === undefined) continue;
          const decision = decisions[where.flag]!;
          check(id, decision.ruleKey === where.rule ? decision.variationKey : null);
        }
      }
    } finally {
      await assay.close();
    }
    const reproduced = experiments.filter((id) => !listed.has(id));
    for (const id of reproduced) {
      expect(variantDiffs.get(id) ?? 0, `${id}: variant`).toBe(0);
      expect(enrolDiffs.get(id) ?? 0, `${id}: enrolment`).toBe(0);
    }
    // the comparisons exercise every reproduced experiment (none is trivially empty)
    for (const id of reproduced) expect(enrolled.get(id) ?? 0, id).toBeGreaterThan(200);
    // what is listed does move, so the notes are measured, not idle
    expect(enrolDiffs.get("pricing_page")).toBe(2); // qa-carol twice: forced, not enrolled
    expect(variantDiffs.get("pricing_page") ?? 0).toBe(0);
    // paused: listed because Optimizely serves nobody, which enabled = false reproduces
    expect((variantDiffs.get("onboarding_old") ?? 0) + (enrolDiffs.get("onboarding_old") ?? 0)).toBe(0);
    for (const id of ["checkout_copy", "search_ranking", "search:search_everyone", "new_nav:nav_everyone"])
      expect(variantDiffs.get(id) ?? 0, id).toBeGreaterThan(100);
    expect(compared).toBe(50_006);
    console.log(
      `optimizely import vs SDK, ${compared} users: ${reproduced.length} reproduced experiments with 0 differences; listed ones: ${[...listed].map((id) => `${id} ${variantDiffs.get(id) ?? 0} variant / ${enrolDiffs.get(id) ?? 0} enrolment`).join(", ")}`,
    );
  }, 300_000);
});
