import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssue, isManifestError, loadManifest, parseManifest } from "../src/index.js";

const PAYLOAD = new URL("fixtures/valid/statsig.json", import.meta.url);

function manifest(
  hashing: string,
  variants = '[{ id = "Control", weight = 1, is_control = true }, { id = "Test", weight = 1 }]',
) {
  return `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "sample_experiment"
variants = ${variants}
hashing = ${hashing}
`;
}

async function issues(text: string, files: Record<string, string> = {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "assay-config-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const path = join(dir, "assay.toml");
  writeFileSync(path, text);
  try {
    await loadManifest(path);
    return [];
  } catch (error) {
    if (!isManifestError(error)) throw error;
    return error.issues.map((i) => formatIssue(i).slice(path.length + 1));
  }
}

describe("the Statsig payload a statsig mode names (loadManifest reads it)", () => {
  const payload = readFileSync(PAYLOAD, "utf8");

  it("accepts a payload that holds the experiment with groups named like the variants", async () => {
    expect(
      await issues(manifest('{ mode = "statsig", payload = "./statsig.json" }'), { "statsig.json": payload }),
    ).toEqual([]);
  });

  it("reports a missing file, a missing experiment and unmatched groups at file:line:col", async () => {
    expect(await issues(manifest('{ mode = "statsig", payload = "./nope.json" }'))).toEqual([
      expect.stringMatching(
        /^8:41: plugins\[0\]\.experiments\[0\]\.hashing\.payload: cannot read the Statsig payload .*nope\.json: no such file$/,
      ),
    ]);
    expect(
      await issues(manifest('{ mode = "statsig", payload = "statsig.json", experiment = "other" }'), {
        "statsig.json": payload,
      }),
    ).toEqual([expect.stringContaining("hashing.payload: the Statsig payload")]);
    expect(
      (
        await issues(manifest('{ mode = "statsig", payload = "statsig.json", experiment = "other" }'), {
          "statsig.json": payload,
        })
      )[0],
    ).toContain('has no experiment "other"; set `experiment` to its name there');
    const renamed = await issues(
      manifest(
        '{ mode = "statsig", payload = "statsig.json" }',
        '[{ id = "control", weight = 1, is_control = true }, { id = "Test", weight = 1 }]',
      ),
      { "statsig.json": payload },
    );
    expect(renamed).toEqual([
      '7:12: plugins[0].experiments[0].variants: must name the Statsig groups of "sample_experiment": add or rename variants to "Control" (groups: Control, Test)',
    ]);
    expect(await issues(manifest('{ mode = "statsig", payload = "bad.json" }'), { "bad.json": "{" })).toEqual(
      [expect.stringContaining("hashing.payload: cannot read the Statsig payload")],
    );
  });

  it("parseManifest does not read files unless asked", () => {
    expect(() =>
      parseManifest(manifest('{ mode = "statsig", payload = "./nope.json" }'), "x/assay.toml"),
    ).not.toThrow();
    expect(() =>
      parseManifest(manifest('{ mode = "statsig", payload = "./nope.json" }'), "x/assay.toml", {
        checkFiles: true,
      }),
    ).toThrow(/cannot read the Statsig payload/);
  });
});
