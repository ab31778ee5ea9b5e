import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_OPTION_FILE_BYTES } from "@assay/core";
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

  // the v2 format @statsig/statsig-node-core downloads: specs keyed by name, conditions by key
  const v2 = (() => {
    const v1 = JSON.parse(payload) as {
      dynamic_configs: { name: string; rules: { conditions: unknown[] }[] }[];
    };
    const dynamic_configs = Object.fromEntries(
      v1.dynamic_configs.map(({ name, ...spec }) => [
        name,
        { ...spec, rules: spec.rules.map((r) => ({ ...r, conditions: [] as string[] })) },
      ]),
    );
    return JSON.stringify({ dynamic_configs, feature_gates: {}, layer_configs: {}, condition_map: {} });
  })();

  it("reads the v2 map format as well, and checks its groups the same way", async () => {
    expect(
      await issues(manifest('{ mode = "statsig", payload = "./statsig.json" }'), { "statsig.json": v2 }),
    ).toEqual([]);
    const renamed = await issues(
      manifest(
        '{ mode = "statsig", payload = "statsig.json" }',
        '[{ id = "control", weight = 1, is_control = true }, { id = "Test", weight = 1 }]',
      ),
      { "statsig.json": v2 },
    );
    expect(renamed).toEqual([
      '7:12: plugins[0].experiments[0].variants: must name the Statsig groups of "sample_experiment": add or rename variants to "Control" (groups: Control, Test)',
    ]);
    const other = await issues(
      manifest('{ mode = "statsig", payload = "statsig.json", experiment = "toString" }'),
      {
        "statsig.json": v2,
      },
    );
    expect(other[0]).toContain('has no experiment "toString"');
  });

  it("takes sdk = node-core or node-legacy, and names the choices for anything else", async () => {
    for (const sdk of ["node-core", "node-legacy"]) {
      expect(
        await issues(manifest(`{ mode = "statsig", payload = "./statsig.json", sdk = "${sdk}" }`), {
          "statsig.json": payload,
        }),
      ).toEqual([]);
    }
    const wrong = await issues(manifest('{ mode = "statsig", payload = "./statsig.json", sdk = "node" }'), {
      "statsig.json": payload,
    });
    expect(wrong).toEqual([expect.stringMatching(/hashing\.sdk: .*"node-core", "node-legacy"/)]);
  });

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

describe("files a manifest names stay inside its folder, are read with a limit and never echoed", () => {
  const SECRET = "root:x:0:0:root:/root:/bin/bash\n";
  const statsig = (payload: string) => manifest(`{ mode = "statsig", payload = ${JSON.stringify(payload)} }`);

  it("an absolute path, a ../ path or a link out of the folder is refused, naming the way to allow it", async () => {
    const outside = mkdtempSync(join(tmpdir(), "assay-outside-"));
    writeFileSync(join(outside, "secret.json"), SECRET);
    for (const payload of [
      "/etc/passwd",
      join(outside, "secret.json"),
      "../secret.json",
      "./link/secret.json",
    ]) {
      const dir = mkdtempSync(join(tmpdir(), "assay-config-"));
      symlinkSync(outside, join(dir, "link"));
      writeFileSync(join(dir, "assay.toml"), statsig(payload));
      const found = await loadManifest(join(dir, "assay.toml")).then(
        () => [],
        (error) => error.issues.map(formatIssue),
      );
      expect(found, payload).toEqual([
        expect.stringMatching(
          /hashing\.payload: cannot read the Statsig payload .*(absolute path|outside the manifest's folder).*ASSAY_ALLOW_OUTSIDE_FILES=1/,
        ),
      ]);
      expect(found.join("")).not.toContain("root:x");
    }
  });

  it("content is never echoed: a file that is not JSON is named, not quoted", async () => {
    const found = await issues(statsig("./passwd"), { passwd: SECRET });
    expect(found).toEqual([
      expect.stringMatching(/cannot read the Statsig payload \.\/passwd: not valid JSON$/),
    ]);
    expect(found.join("")).not.toContain("root");
  });

  it("allowed outside (allowOutsideFiles), a device is still refused, never read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-config-"));
    const path = join(dir, "assay.toml");
    writeFileSync(path, statsig("/dev/zero"));
    const found = await loadManifest(path, { allowOutsideFiles: true }).then(
      () => [],
      (error) => error.issues.map(formatIssue),
    );
    expect(found).toEqual([expect.stringMatching(/\/dev\/zero: not a regular file/)]);
    writeFileSync(join(dir, "elsewhere.json"), readFileSync(PAYLOAD, "utf8"));
    writeFileSync(path, statsig(join(dir, "elsewhere.json")));
    await expect(loadManifest(path, { allowOutsideFiles: true })).resolves.toBeDefined();
    await expect(loadManifest(path)).rejects.toThrow(/absolute path/);
  });

  it("a file over the limit is refused without being read whole", async () => {
    const found = await issues(statsig("./big.json"), {
      "big.json": " ".repeat(MAX_OPTION_FILE_BYTES + 1),
    });
    expect(found).toEqual([expect.stringMatching(/big\.json: larger than the limit of 16 MiB$/)]);
  });
});
