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
