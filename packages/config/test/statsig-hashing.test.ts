import { describe, expect, it } from "vitest";
import { isManifestError, parseManifest } from "../src/index.js";

const manifest = (hashing: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "Control", weight = 1, is_control = true }, { id = "Test", weight = 1 }]
hashing = ${hashing}
`;

const issues = (text: string): string[] => {
  try {
    parseManifest(text, "assay.toml");
  } catch (error) {
    if (isManifestError(error)) return error.issues.map((i) => `${i.line}:${i.column} ${i.message}`);
    throw error;
  }
  return [];
};

describe("hashing mode statsig", () => {
  it("reads skip_rules as the rule ids the mode passes over", () => {
    const m = parseManifest(
      manifest(
        '{ mode = "statsig", payload = "./s.json", experiment = "checkout", skip_rules = ["targetingGate"] }',
      ),
      "assay.toml",
    );
    expect(m.plugins[0]!.experiments[0]!.hashing).toEqual({
      mode: "statsig",
      payload: "./s.json",
      experiment: "checkout",
      skipRules: ["targetingGate"],
    });
  });

  it("refuses a skip_rules that is not a list of rule ids, at its line", () => {
    const found = issues(
      manifest('{ mode = "statsig", payload = "./s.json", skip_rules = "targetingGate" }'),
    );
    expect(found.join("\n")).toMatch(/^8:66 .*rule ids/);
    expect(
      issues(manifest('{ mode = "statsig", payload = "./s.json", skip_rules = [""] }')).join("\n"),
    ).toContain("a rule id of the experiment");
    expect(
      issues(manifest('{ mode = "statsig", payload = "./s.json", skip_rule = ["x"] }')).join("\n"),
    ).toContain("skip_rules");
  });
});
