import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { type Manifest, parseManifest } from "../src/index.js";

const dir = new URL("fixtures/valid/", import.meta.url);

function parseFixture(name: string): Manifest {
  return parseManifest(readFileSync(new URL(name, dir), "utf8"), `fixtures/valid/${name}`);
}

describe("valid manifests", () => {
  test.each(readdirSync(dir).filter((name) => name.endsWith(".toml")))("%s parses", (name) => {
    expect(parseFixture(name).plugins.length).toBeGreaterThan(0);
  });

  test("the design example", () => {
    const manifest = parseFixture("design-example.toml");
    expect(manifest.file).toBe("fixtures/valid/design-example.toml");
    expect(manifest.dir).toBe(resolve("fixtures/valid"));
    const [hash, events] = manifest.plugins;
    expect(hash).toEqual({
      name: "experiment-hash",
      source: "@assay/experiment-hash",
      options: {},
      path: ["plugins", 0],
      location: { line: 2, column: 1 },
      experiments: [
        {
          id: "checkout_button_color",
          variants: [
            { id: "control", weight: 50, isControl: true },
            { id: "treatment", weight: 50, isControl: false },
          ],
          salt: "2026-q4",
          unit: "user",
          traffic: 0.25,
          enabled: true,
          description: "Green or blue checkout button",
        },
      ],
      flags: [],
    });
    expect(events).toMatchObject({
      name: "events",
      source: "@assay/store-sqlite",
      options: { path: ".assay/events.db" },
      experiments: [],
      location: { line: 19, column: 1 },
    });
  });

  test("relative weights 90/10, with defaults filled in", () => {
    const [experiment] = parseFixture("relative-weights.toml").plugins[0]!.experiments;
    expect(experiment).toEqual({
      id: "new_pricing_page",
      variants: [
        { id: "control", weight: 90, isControl: true },
        { id: "new", weight: 10, isControl: false },
      ],
      unit: "user",
      traffic: 1,
      enabled: true,
    });
    expect(experiment).not.toHaveProperty("salt");
  });

  test("basis points summing to 10000, session unit, partial traffic", () => {
    const [experiment] = parseFixture("basis-points.toml").plugins[0]!.experiments;
    expect(experiment?.unit).toBe("session");
    expect(experiment?.traffic).toBe(0.1);
    expect(experiment?.variants.map((v) => [v.id, v.weight, v.isControl])).toEqual([
      ["baseline", 3334, true],
      ["bm25", 3333, false],
      ["neural", 3333, false],
    ]);
    expect(experiment?.variants.reduce((sum, v) => sum + v.weight, 0)).toBe(10000);
  });

  test("float weights, an attribute unit, a disabled experiment, nested options", () => {
    const [plugin] = parseFixture("float-weights.toml").plugins;
    expect(plugin?.source).toBe("./plugins/local-backend.js");
    expect(plugin?.options).toEqual({ seed: 7, nested: { retries: 3 } });
    expect(plugin?.experiments).toEqual([
      {
        id: "onboarding_flow",
        unit: "account",
        enabled: false,
        salt: "2026-q4",
        traffic: 0,
        variants: [
          { id: "treatment_a", weight: 0.25, isControl: false },
          { id: "control", weight: 0.5, isControl: true },
          { id: "treatment_b", weight: 0.25, isControl: false },
        ],
      },
    ]);
  });

  test("a store alone: no experiments, empty options", () => {
    const [plugin] = parseFixture("store-only.toml").plugins;
    expect(plugin).toMatchObject({
      name: "events",
      source: "@assay/store-sqlite",
      options: {},
      experiments: [],
    });
  });

  test("definitions are frozen", () => {
    const [plugin] = parseFixture("design-example.toml").plugins;
    const experiment = plugin!.experiments[0]!;
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(Object.isFrozen(experiment)).toBe(true);
    expect(Object.isFrozen(experiment.variants)).toBe(true);
    expect(Object.isFrozen(experiment.variants[0])).toBe(true);
  });
});

describe("vendor hashing modes", () => {
  test("each mode's table becomes ExperimentDefinition.hashing (native is left out)", () => {
    const manifest = parseManifest(
      readFileSync(new URL("fixtures/valid/vendor-hashing.toml", import.meta.url), "utf8"),
      "vendor-hashing.toml",
    );
    const hashing = Object.fromEntries(manifest.plugins[0]!.experiments.map((e) => [e.id, e.hashing]));
    expect(hashing).toEqual({
      gb_checkout: {
        mode: "growthbook",
        version: 2,
        seed: "phase-2",
        namespace: { id: "pricing", start: 0, end: 0.5 },
        filters: [
          {
            seed: "layer",
            version: 2,
            ranges: [
              [0, 0.25],
              [0.5, 1],
            ],
          },
        ],
      },
      gb_ranges: {
        mode: "growthbook",
        version: 1,
        seed: "gb_ranges",
        ranges: [
          [0, 0.3],
          [0.5, 0.8],
        ],
      },
      ph_flow: { mode: "posthog", key: "new-flow", holdout: { id: 3, percentage: 10 } },
      opt_banner: {
        mode: "optimizely",
        experimentId: "1886780721",
        bucketingId: "opt_bucketing_id",
        ends: [2500, 5000],
      },
      unleash_menu: { mode: "unleash", groupId: "menu", variantGroupId: "menu-toggle" },
      fs_search: { mode: "featuresignals", flagKey: "search" },
      statsig_sample: { mode: "statsig", payload: "./statsig.json", experiment: "sample_experiment" },
      native_explicit: undefined,
    });
    expect(Object.hasOwn(manifest.plugins[0]!.experiments[7]!, "hashing")).toBe(false);
  });
});
