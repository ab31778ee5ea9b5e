import { describe, expect, it } from "vitest";
import { formatIssue, isManifestError, parseManifest } from "../src/index.js";

const manifest = (extra: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
${extra}
`;

const issues = (text: string): string[] => {
  try {
    parseManifest(text, "assay.toml");
  } catch (error) {
    if (isManifestError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
};

describe("phase (`version`)", () => {
  it("is the experiment's phase, sticky or not; absent when not written", () => {
    const plain = parseManifest(manifest("version = 3"), "assay.toml").plugins[0]!.experiments[0]!;
    expect(plain.phase).toBe(3);
    expect(plain.sticky).toBeUndefined();
    const sticky = parseManifest(manifest("version = 2\nsticky = true"), "assay.toml").plugins[0]!
      .experiments[0]!;
    expect(sticky).toMatchObject({ phase: 2, sticky: { version: 2 } });
    expect(parseManifest(manifest(""), "assay.toml").plugins[0]!.experiments[0]!.phase).toBeUndefined();
  });

  it("must be a whole number >= 1, reported at its line", () => {
    expect(issues(manifest("version = 0"))).toEqual([
      expect.stringMatching(/^assay\.toml:8:11: plugins\[0\]\.experiments\[0\]\.version: .*integer >= 1/),
    ]);
    expect(issues(manifest("version = 1.5"))[0]).toMatch(/^assay\.toml:8:11: .*version/);
    expect(issues(manifest('version = "2"'))[0]).toMatch(/^assay\.toml:8:11: .*version/);
  });
});
