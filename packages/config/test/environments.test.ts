import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatIssue, isManifestError, type Manifest, parseManifest } from "../src/index.js";

const FILE = "test/fixtures/valid/targeting-environments-layers.toml";
const text = readFileSync(FILE, "utf8");
const parse = (env?: string, source = text): Manifest => parseManifest(source, "assay.toml", { env });
const checkout = (m: Manifest) => m.plugins[0]!.experiments[0]!;
const issues = (source: string, env?: string): string[] => {
  try {
    parse(env, source);
  } catch (error) {
    if (isManifestError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
};

describe("environments", () => {
  it("applies the manifest's `environment` by default and the one asked for otherwise", () => {
    const production = parse();
    expect(production.environment).toBe("production");
    expect(production.environments).toEqual(["staging", "production"]);
    expect(checkout(production)).toMatchObject({ enabled: false, traffic: 0.5 });
    expect(checkout(production).variants.map((v) => v.weight)).toEqual([90, 10]);

    const staging = parse("staging");
    expect(staging.environment).toBe("staging");
    expect(checkout(staging)).toMatchObject({ enabled: true, traffic: 1 });
    expect(checkout(staging).variants.map((v) => [v.id, v.weight, v.isControl])).toEqual([
      ["control", 50, true],
      ["treatment", 50, false],
    ]);
    // forced is replaced, not merged
    expect(checkout(staging).forced).toEqual({ "qa-dan": "treatment" });
    expect(checkout(production).forced).toEqual({
      "qa-alice": "treatment",
      "qa-bob": "treatment",
      "qa-carol": "control",
    });
  });

  it("runs the base values when no environment is selected", () => {
    const base = parse(undefined, text.replace('environment = "production"\n', ""));
    expect(base.environment).toBeUndefined();
    expect(checkout(base)).toMatchObject({ enabled: true, traffic: 0.5 });
  });

  it("rejects an environment the manifest does not list, suggesting the nearest", () => {
    expect(issues(text, "stagin")).toEqual([
      expect.stringMatching(
        /^assay\.toml:1:1: environment "stagin" \(ASSAY_ENV or --env\) is not in .*did you mean "staging"\?/,
      ),
    ]);
    expect(issues(text, "preview")[0]).toContain(
      "is not in this manifest's environments (staging, production)",
    );
    expect(issues(text, "not valid!")[0]).toContain("must be letters, digits, _ and -");
  });

  it("without an environments list, a name with no block runs the base values, a near miss is an error", () => {
    const unlisted = text
      .replace('environments = ["staging", "production"]\n', "")
      .replace('environment = "production"\n', "");
    expect(issues(unlisted, "preview")).toEqual([]);
    expect(checkout(parse("preview", unlisted))).toMatchObject({ enabled: true, traffic: 0.5 });
    expect(issues(unlisted, "stagin")).toEqual([
      expect.stringContaining(
        'environment "stagin" (ASSAY_ENV or --env) has no blocks; did you mean "staging"?',
      ),
    ]);
    // a manifest without any environment accepts any name: nothing to apply
    const plain = text
      .replace(/environment.*\n/g, "")
      .replace(/\[plugins\.(experiments|flags)\.env\.[a-z]+\]\n([a-z]+ = .*\n)+/g, "");
    expect(issues(plain, "production")).toEqual([]);
  });

  it("the `environment` key names a declared environment", () => {
    expect(issues(text.replace('environment = "production"', 'environment = "prod"'))).toEqual([
      expect.stringMatching(/^assay\.toml:1:15: environment: environment `prod` is not in `environments`/),
    ]);
  });

  it("validates every block merged, selected or not", () => {
    const broken = text.replace(
      "weights = { control = 50, treatment = 50 }",
      "weights = { control = 0, treatment = 0 }",
    );
    expect(issues(broken, "production")).toEqual([
      expect.stringContaining(
        "assay.toml:21:11: plugins[0].experiments[0].env.staging.weights: total weight in this environment is 0",
      ),
    ]);
  });

  it("flags take their environment's rollout and kill switch", () => {
    expect(parse("staging").plugins[1]!.flags[0]).toMatchObject({ key: "new_checkout", rollout: 1 });
    expect(parse("production").plugins[1]!.flags[0]).toMatchObject({
      rollout: 0.25,
      unit: "user",
      enabled: true,
    });
    expect(parse().plugins[1]!.flags[1]).toEqual({
      key: "checkout_copy",
      unit: "user",
      enabled: false,
      rollout: 1,
      variants: [
        { id: "short", weight: 1 },
        { id: "long", weight: 3 },
      ],
      off: "classic",
    });
  });
});

describe("targeting, sticky and layers in the parsed experiment", () => {
  it("carries the rules as written, sticky with its version, and the layer slot", () => {
    const m = parse("staging");
    expect(checkout(m).targeting).toEqual({
      include: ["country in [FR, DE]", "app_version >= 2.3.0"],
      exclude: ['email matches "@internal\\.example$"'],
    });
    expect(checkout(m).sticky).toEqual({ version: 2 });
    expect(checkout(m).layer).toEqual({ id: "checkout_page", start: 0, end: 0.3 });
    expect(m.plugins[0]!.experiments[1]!.layer).toEqual({ id: "checkout_page", start: 0.5, end: 0.7 });
    expect(m.plugins[0]!.experiments[1]!.sticky).toBeUndefined();
    expect(m.layers).toEqual([
      {
        id: "checkout_page",
        slots: [
          { id: "checkout_page", experiment: "checkout", start: 0, end: 0.3 },
          { id: "checkout_page", experiment: "copy_test", start: 0.5, end: 0.7 },
        ],
      },
    ]);
  });

  it("an experiment without the new keys is built exactly as before", () => {
    const copy = parse().plugins[0]!.experiments[1]!;
    expect(Object.keys(copy).sort()).toEqual(["enabled", "id", "layer", "traffic", "unit", "variants"]);
  });
});

describe("targeting rule errors point at the character", () => {
  const manifest = (rule: string) => `[[plugins]]
name = "h"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "x"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "b", weight = 1 }]
targeting = { include = [${rule}] }
`;
  const columnOf = (rule: string) => {
    try {
      parseManifest(manifest(rule), "assay.toml");
    } catch (error) {
      if (isManifestError(error)) return error.issues.map((i) => `${i.line}:${i.column}`);
      throw error;
    }
    return [];
  };

  it("in literal and plain basic strings; at the string when escapes come first", () => {
    // targeting = { include = [ is 25 characters: the rule's quote is at column 26
    expect(columnOf("'plan ni [pro]'")).toEqual(["8:32"]);
    expect(columnOf('"plan ni [pro]"')).toEqual(["8:32"]);
    expect(columnOf('"x == \\"a\\" y"')).toEqual(["8:26"]);
    expect(columnOf("'''plan ni [pro]'''")).toEqual(["8:26"]);
  });
});
