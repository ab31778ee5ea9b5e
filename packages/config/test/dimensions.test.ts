import { describe, expect, test } from "vitest";
import { parseManifest } from "../src/index.js";
import { formattedIssues } from "./expectations.js";

const PLUGIN = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
`;

const experiment = (id: string, extra = "") => `
[[plugins.experiments]]
id = "${id}"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
${extra}
`;

describe("dimensions", () => {
  test("an experiment lists the attributes recorded with its exposures", () => {
    const manifest = parseManifest(
      `${PLUGIN}${experiment("checkout", 'dimensions = ["country", "platform"]')}${experiment("plain")}`,
      "assay.toml",
    );
    const [checkout, plain] = manifest.plugins[0]!.experiments;
    expect(checkout!.dimensions).toEqual(["country", "platform"]);
    expect(Object.isFrozen(checkout!.dimensions)).toBe(true);
    expect(plain!.dimensions).toBeUndefined();
  });

  test("the top-level list is the default of every experiment without its own; [] opts out", () => {
    const manifest = parseManifest(
      `dimensions = ["country"]\n${PLUGIN}${experiment("a")}${experiment("b", 'dimensions = ["platform"]')}${experiment("c", "dimensions = []")}`,
      "assay.toml",
    );
    expect(manifest.plugins[0]!.experiments.map((e) => e.dimensions)).toEqual([
      ["country"],
      ["platform"],
      [],
    ]);
  });

  test("bad names, repeats, too many and a non-array are refused at file:line:col", () => {
    const issues = formattedIssues(
      `${PLUGIN}${experiment("a", 'dimensions = ["country", "", "plat.form", "country", 3]')}${experiment(
        "b",
        'dimensions = ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9"]',
      )}${experiment("c", 'dimensions = "country"')}`,
    );
    expect(issues).toEqual([
      expect.stringMatching(/^assay\.toml:8:26: .*dimensions\[1\].*must be a dimension name .*got ""/),
      expect.stringMatching(/^assay\.toml:8:30: .*dimensions\[2\].*must be a dimension name .*"plat\.form"/),
      expect.stringMatching(
        /^assay\.toml:8:43: .*dimensions\[3\].*repeats dimension "country" \(first at index 0\)/,
      ),
      expect.stringMatching(
        /^assay\.toml:8:54: .*dimensions\[4\].*must be a dimension name \(a string like "country"\), got 3/,
      ),
      expect.stringMatching(/^assay\.toml:13:14: .*dimensions.*must have at most 8 dimensions .*got 9/),
      expect.stringMatching(/^assay\.toml:18:14: .*dimensions.*must be an array of context attribute names/),
    ]);
  });

  test("a name longer than 64 characters is refused", () => {
    const long = `d${"x".repeat(64)}`;
    const issues = formattedIssues(`dimensions = ["${long}"]\n${PLUGIN}${experiment("a")}`);
    expect(issues).toEqual([expect.stringMatching(/^assay\.toml:1:15: .*dimensions\[0\].*at most 64/)]);
  });
});
