import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { GrowthBook } from "@growthbook/growthbook";
import { PostHog } from "posthog-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importGrowthBook, importPostHog, manifestToml } from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const GB_PAYLOAD = join(FIXTURES, "growthbook-payload.json");
const PH_DEFINITIONS = join(FIXTURES, "posthog-definitions.json");
const gbPayload = JSON.parse(readFileSync(GB_PAYLOAD, "utf8"));
const phDefinitions = JSON.parse(readFileSync(PH_DEFINITIONS, "utf8"));

/** `count` distinct ids from a fixed seed, every other one with non-ASCII characters. */
function randomIds(count: number, seed: number): string[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ascii = "abcdefghijklmnopqrstuvwxyz0123456789-_";
  const wide = ["é", "ø", "Ж", "你", "한", "€", "😀", "\u0301"];
  const ids = new Set<string>();
  while (ids.size < count) {
    const length = 1 + Math.floor(rand() * 16);
    let id = "";
    for (let i = 0; i < length; i++) {
      id +=
        ids.size % 2 === 1 && rand() < 0.4
          ? wide[Math.floor(rand() * wide.length)]
          : ascii[Math.floor(rand() * ascii.length)];
    }
    ids.add(id);
  }
  return [...ids];
}

const IDS = randomIds(100_000, 515);

async function loadImported(toml: string) {
  const dir = tempDir({ "assay.toml": toml });
  return createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
}

describe("assay import growthbook", () => {
  const result = importGrowthBook(gbPayload);
  const toml = manifestToml(result, "growthbook-payload.json");

  it("one experiment per experiment rule and inline experiment, keyed as GrowthBook tracks them", () => {
    expect(result.experiments.map((e) => e.id)).toEqual([
      "checkout-exp",
      "pricing-page",
      "layout-exp",
      "search-exp",
      "onboarding-inline",
    ]);
    expect(result.experiments[0]).toMatchObject({
      variants: [
        { id: "control", weight: 0.3, isControl: true },
        { id: "green", weight: 0.7, isControl: false },
      ],
      traffic: 0.8,
      unit: "user",
      hashing: { mode: "growthbook", version: 2, seed: "checkout-phase-2" },
    });
    expect(result.experiments[1]!.hashing).toEqual({ mode: "growthbook", version: 1, seed: "pricing-page" });
    expect(result.experiments[2]!.unit).toBe("company");
    expect(result.skipped).toEqual([expect.stringContaining('feature "dark-mode": no experiment rule')]);
    expect(() => parseManifest(toml, "assay.toml")).not.toThrow();
  });

  it("lists what hashing cannot reproduce, as comments above the experiment", () => {
    const notes = Object.fromEntries(result.experiments.map((e) => [e.id, e.notReproduced.join("\n")]));
    expect(notes["pricing-page"]).toContain('forces "annual" to units matching {"country":"FR"}');
    expect(notes["pricing-page"]).toContain("sticky bucketing");
    expect(notes["search-exp"]).toBe("");
    expect(result.experiments[3]!.targeting).toEqual({ include: ['plan != "enterprise"'], exclude: [] });
    expect(notes["checkout-exp"]).toBe("");
    const holdout = importGrowthBook({
      features: {
        f: {
          defaultValue: 0,
          holdout: { id: "hld_1", value: 0 },
          rules: [
            {
              key: "held",
              variations: [0, 1],
              parentConditions: [{ id: "$holdout:hld_1", condition: { value: "holdoutcontrol" } }],
            },
          ],
        },
      },
    }).experiments[0]!.notReproduced.join("\n");
    expect(holdout).toContain('feature field "holdout"');
    expect(holdout).toContain("a holdout: units held out never reach this experiment");
    expect(toml).toMatch(/# NOT reproduced by hashing[^\n]*\n# {3}- rule 0 before it forces "annual"/);
    expect(toml).toContain('# from feature "search-ranking", rule 0 ("fr_5")');
    expect(toml).toContain("sticky bucket service");
  });

  it("100,000 ids (half non-ASCII): the imported manifest assigns exactly as the GrowthBook SDK", async () => {
    const assay = await loadImported(toml);
    const features = gbPayload.features as Record<string, unknown>;
    const inline = gbPayload.experiments[0];
    let differences = 0;
    let enrolled = 0;
    try {
      for (let i = 0; i < IDS.length; i++) {
        const id = IDS[i]!;
        const company = IDS[(i * 7919) % IDS.length]!;
        // plan "pro" passes search-exp's condition; the FR force rule does not apply (no country)
        const gb = new GrowthBook({ attributes: { id, company, plan: "pro" }, features: features as never });
        const expected: Record<string, string | false> = {};
        for (const [feature, exp] of [
          ["checkout-button", "checkout-exp"],
          ["pricing-page", "pricing-page"],
          ["company-layout", "layout-exp"],
          ["search-ranking", "search-exp"],
        ] as const) {
          const r = gb.evalFeature(feature).experimentResult;
          expected[exp] = r?.inExperiment ? r.key : false;
        }
        const run = gb.run(inline);
        expected["onboarding-inline"] = run.inExperiment ? run.key : false;
        for (const [exp, want] of Object.entries(expected)) {
          const v = assay.assign(exp, { userId: id, attributes: { company } });
          const got = v.inExperiment ? v.variantId : false;
          if (got !== want) differences++;
          if (got !== false) enrolled++;
        }
      }
    } finally {
      await assay.close();
    }
    expect(differences).toBe(0);
    expect(enrolled).toBeGreaterThan(200_000);
  });
});

describe("assay import posthog", () => {
  const result = importPostHog(phDefinitions);
  const toml = manifestToml(result, "posthog-definitions.json");
  let client: PostHog;

  beforeAll(async () => {
    const fetch = async (url: string) =>
      new Response(url.includes("/flags/definitions") ? JSON.stringify(phDefinitions) : "{}", {
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

  it("one experiment per multivariate flag; rollout as traffic, holdout kept, targeting listed", () => {
    expect(result.experiments.map((e) => [e.id, e.traffic])).toEqual([
      ["ph-checkout", 0.8],
      ["ph-pricing", 0.3],
      ["ph-uneven", 0.455],
    ]);
    expect(result.experiments[0]!.hashing).toEqual({
      mode: "posthog",
      key: "ph-checkout",
      holdout: { id: 5, percentage: 10 },
    });
    expect(result.experiments[1]!.notReproduced.join("\n")).toMatch(/condition 0 targets .*email.*targeting/);
    expect(result.experiments[1]!.notReproduced.join("\n")).toMatch(/overrides the variant to "annual"/);
    expect(result.skipped).toEqual([expect.stringContaining('flag "ph-beta-banner": not multivariate')]);
    expect(toml).toContain('# from flag "ph-pricing" (id 12)');
  });

  // posthog-node evaluates a few thousand ids per second locally (async, one call per id): 100,000 ids took
  // 30-60 s on the project VM depending on its speed, so this check gets more than the suite's 60 s.
  it("100,000 ids (half non-ASCII): the imported manifest assigns exactly as posthog-node", async () => {
    const assay = await loadImported(toml);
    let differences = 0;
    let enrolled = 0;
    try {
      for (const id of IDS) {
        const flags = await client.getAllFlags(id, {
          onlyEvaluateLocally: true,
          personProperties: { email: `${id}@example.com` },
        });
        for (const e of result.experiments) {
          const value = flags[e.id];
          const want = typeof value === "string" && !value.startsWith("holdout-") ? value : false;
          const v = assay.assign(e.id, { userId: id, attributes: {} });
          const got = v.inExperiment ? v.variantId : false;
          if (got !== want) differences++;
          if (got !== false) enrolled++;
        }
      }
    } finally {
      await assay.close();
    }
    expect(differences).toBe(0);
    expect(enrolled).toBeGreaterThan(100_000);
  }, 240_000);
});

describe("the assay import command", () => {
  it("prints the manifest on stdout and the unreproduced items on stderr", () => {
    const result = cli(["import", "growthbook", GB_PAYLOAD]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'hashing = { mode = "growthbook", version = 2, seed = "checkout-phase-2" }',
    );
    expect(result.stderr).toContain("pricing-page: not reproduced: rule 0 before it forces");
    expect(result.stderr).toContain('skipped: feature "dark-mode"');
    expect(result.stderr).toMatch(
      /imported 5 experiment\(s\) .* 1 with targeting carried over, \d+ item\(s\) not reproduced by hashing, 1 entry skipped/,
    );
  });

  it("writes the manifest with -o, and it validates", () => {
    const dir = tempDir({});
    const out = join(dir, "assay.toml");
    const result = cli(["import", "posthog", PH_DEFINITIONS, "-o", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toContain('hashing = { mode = "posthog", key = "ph-uneven" }');
    expect(cli(["validate", out]).code).toBe(0);
  });

  it("exits 1 on an encrypted or malformed payload, 2 on an unknown vendor", () => {
    const dir = tempDir({ "enc.json": JSON.stringify({ encryptedFeatures: "abc" }), "bad.json": "{" });
    const encrypted = cli(["import", "growthbook", join(dir, "enc.json")]);
    expect(encrypted.code).toBe(1);
    expect(encrypted.stderr).toContain("the payload is encrypted");
    expect(cli(["import", "growthbook", join(dir, "bad.json")]).code).toBe(1);
    expect(cli(["import", "posthog", join(dir, "enc.json")]).stderr).toContain("`flags`");
    const unknown = cli(["import", "launchdarkly", join(dir, "enc.json")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown vendor "launchdarkly"');
  });
});
