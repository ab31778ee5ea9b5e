import { describe, expect, it } from "vitest";
import { formatIssue, isManifestError, type Manifest, parseManifest } from "../src/index.js";

const manifest = (variants: string, extra = "") => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
${variants}
]
${extra}`;

const parse = (source: string, env?: string): Manifest => parseManifest(source, "assay.toml", { env });
const issues = (source: string): string[] => {
  try {
    parse(source);
  } catch (error) {
    if (isManifestError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
};
const variantsOf = (m: Manifest) => m.plugins[0]!.experiments[0]!.variants;

describe("variant values", () => {
  it("carries any TOML value on the definition, deeply frozen; a variant without one has no value key", () => {
    const m = parse(
      manifest(`  { id = "control", weight = 4000, is_control = true },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 2000, value = { steps = 2, copy = "Buy", flags = [true, false], nested = { x = 1.5 } } },
  { id = "treatment-c", weight = 1000, value = [1, "two", 3.0] },`),
    );
    const [control, a, b, c] = variantsOf(m);
    expect(control).not.toHaveProperty("value");
    expect(a!.value).toBe("streamlined-checkout");
    expect(b!.value).toEqual({ steps: 2, copy: "Buy", flags: [true, false], nested: { x: 1.5 } });
    expect(c!.value).toEqual([1, "two", 3]);
    expect(Object.isFrozen(b!.value)).toBe(true);
    expect(Object.isFrozen((b!.value as { nested: object }).nested)).toBe(true);
    expect(Object.isFrozen(c!.value)).toBe(true);
    // JSON round trip: what OFREP will serve
    expect(JSON.parse(JSON.stringify(b!.value))).toEqual(b!.value);
  });

  it("numbers, booleans and false-y values are kept as written", () => {
    const m = parse(
      manifest(`  { id = "control", weight = 1, is_control = true, value = false },
  { id = "zero", weight = 1, value = 0 },
  { id = "empty", weight = 1, value = "" },`),
    );
    expect(variantsOf(m).map((v) => v.value)).toEqual([false, 0, ""]);
  });

  it("dates become their TOML text", () => {
    const m = parse(
      manifest(`  { id = "control", weight = 1, is_control = true, value = 1979-05-27 },
  { id = "t", weight = 1, value = 1979-05-27T07:32:00Z },`),
    );
    expect(variantsOf(m).map((v) => v.value)).toEqual(["1979-05-27", "1979-05-27T07:32:00.000Z"]);
  });

  it("a key named __proto__ inside a value stays a key", () => {
    const m = parse(
      manifest(`  { id = "control", weight = 1, is_control = true, value = { "__proto__" = { polluted = true } } },
  { id = "t", weight = 1 },`),
    );
    const value = variantsOf(m)[0]!.value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("nan and inf are refused at the element, with file:line:col", () => {
    expect(
      issues(
        manifest(`  { id = "control", weight = 1, is_control = true },
  { id = "t", weight = 1, value = { ratio = nan, list = [1, inf] } },`),
      ),
    ).toEqual([
      "assay.toml:9:45: plugins[0].experiments[0].variants[1].value.ratio: must be a finite number, got nan (JSON, which OFREP serves, has no nan or inf)",
      "assay.toml:9:61: plugins[0].experiments[0].variants[1].value.list[1]: must be a finite number, got inf (JSON, which OFREP serves, has no nan or inf)",
    ]);
  });

  it("a misspelt value key is suggested", () => {
    const found = issues(
      manifest(`  { id = "control", weight = 1, is_control = true },
  { id = "t", weight = 1, valeu = "x" },`),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/variants\[1\]\.valeu: unknown key `valeu` in variant; did you mean `value`\?/);
  });

  it("an environment's weights keep the values", () => {
    const m = parse(
      manifest(
        `  { id = "control", weight = 1, is_control = true, value = "old" },
  { id = "t", weight = 1, value = "new" },`,
        `\n[plugins.experiments.env.staging]\nweights = { t = 9 }\n`,
      ),
      "staging",
    );
    expect(variantsOf(m).map((v) => [v.id, v.weight, v.value])).toEqual([
      ["control", 1, "old"],
      ["t", 9, "new"],
    ]);
  });
});

describe("an environment's own variant set", () => {
  const base = `  { id = "control", weight = 50, is_control = true, value = "old" },
  { id = "treatment", weight = 50, value = "new" },`;
  const withEnv = (env: string, extra = "") =>
    manifest(base, `${extra}\n[plugins.experiments.env.staging]\n${env}\n`);

  it("replaces the variants (ids, weights, values) in that environment only", () => {
    const source = withEnv(
      `variants = [{ id = "control", weight = 1, is_control = true, value = "old" }, { id = "treatment", weight = 1, value = "newer" }, { id = "beta", weight = 2, value = { x = 1 } }]`,
    );
    expect(variantsOf(parse(source, "staging")).map((v) => [v.id, v.weight, v.value])).toEqual([
      ["control", 1, "old"],
      ["treatment", 1, "newer"],
      ["beta", 2, { x: 1 }],
    ]);
    expect(variantsOf(parse(source)).map((v) => v.id)).toEqual(["control", "treatment"]);
  });

  it("keeps the same control, checked as the base is (one control, unique ids, weight above 0)", () => {
    expect(
      issues(
        withEnv(
          `variants = [{ id = "baseline", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]`,
        ),
      ),
    ).toEqual([
      "assay.toml:13:20: plugins[0].experiments[0].env.staging.variants[0].id: the control must stay `control` in every environment (every variant is compared with it), got `baseline`",
    ]);
    const broken = issues(
      withEnv(
        `variants = [{ id = "control", weight = 0, is_control = true }, { id = "control", weight = 0 }]`,
      ),
    );
    expect(broken.join("\n")).toMatch(/env\.staging\.variants\[1\]\.id: duplicate variant id/);
    expect(broken.join("\n")).toMatch(/env\.staging\.variants: total weight is 0/);
    const noControl = issues(withEnv(`variants = [{ id = "a", weight = 1 }, { id = "b", weight = 1 }]`));
    expect(noControl.join("\n")).toMatch(/env\.staging\.variants: no control variant/);
  });

  it("a sticky experiment keeps the same ids; weights beside variants are refused", () => {
    const sticky = issues(
      withEnv(
        `variants = [{ id = "control", weight = 1, is_control = true }, { id = "beta", weight = 1 }]`,
        "sticky = true",
      ),
    );
    expect(sticky).toEqual([
      "assay.toml:13:12: plugins[0].experiments[0].env.staging.variants: a sticky experiment keeps the same variant ids in every environment (stored assignments name them): missing `treatment`; not in the base `beta`",
    ]);
    const same = withEnv(
      `variants = [{ id = "control", weight = 9, is_control = true }, { id = "treatment", weight = 1 }]`,
      "sticky = true",
    );
    expect(variantsOf(parse(same, "staging")).map((v) => v.weight)).toEqual([9, 1]);
    const both = issues(
      withEnv(
        `variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]\nweights = { control = 5 }`,
      ),
    );
    expect(both.join("\n")).toMatch(
      /env\.staging\.weights: give an environment either its own `variants` or `weights`, not both/,
    );
  });

  it("forced units must name a variant of the environment's set", () => {
    const forced = issues(
      withEnv(
        `variants = [{ id = "control", weight = 1, is_control = true }, { id = "beta", weight = 1 }]`,
        'forced = { treatment = ["qa-1"] }',
      ),
    );
    expect(forced.join("\n")).toMatch(
      /env\.staging\.variants: unit `qa-1` is forced into `treatment`, which this environment's variants do not have/,
    );
  });
});
