import { describe, expect, it } from "vitest";
import { isManifestError, parseManifest } from "../src/index.js";

const experiment = (extra: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
options = { __proto__ = { kept = true } }

[[plugins.experiments]]
id = "e"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "__proto__", weight = 1 }]
${extra}
`;

function parse(text: string, env?: string) {
  try {
    return parseManifest(text, "assay.toml", { env });
  } catch (error) {
    if (isManifestError(error)) throw new Error(error.issues.map((i) => `${i.key}: ${i.message}`).join("\n"));
    throw error;
  }
}

describe("keys named __proto__ are entries like any other, never dropped", () => {
  it("a forced unit, an environment's weights and a plugin option named __proto__ are kept", () => {
    const manifest = parse(
      experiment(`forced = { __proto__ = ["__proto__", "constructor"] }
[plugins.experiments.env.staging]
weights = { control = 1, __proto__ = 3 }`),
      "staging",
    );
    const plugin = manifest.plugins[0]!;
    expect(Object.keys(plugin.options)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(plugin.options)).not.toEqual({ kept: true });
    const e = plugin.experiments[0]!;
    expect(Object.entries(e.forced ?? {})).toEqual([
      ["__proto__", "__proto__"],
      ["constructor", "__proto__"],
    ]);
    expect(e.variants.map((v) => [v.id, v.weight])).toEqual([
      ["control", 1],
      ["__proto__", 3],
    ]);
  });

  it("__proto__ where no such key exists is an error naming it, as any unknown key", () => {
    expect(() => parse(experiment("__proto__ = 1"))).toThrow(
      /experiments\[0\]\.__proto__: unknown key `__proto__`/,
    );
    expect(() => parse(`__proto__ = 1\n${experiment("")}`)).toThrow(
      /^__proto__: unknown key `__proto__` at the top level/,
    );
  });
});
