import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, MANIFEST, tempDir } from "./helpers.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "config", "test", "fixtures");
const EXPECT = /^# expect (\d+):(\d+) (\S*): (.+)$/;

describe("assay validate", () => {
  it("exits 0 on a good manifest", () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const result = cli(["validate"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("valid (1 plugins, 4 experiments)");
  });

  const invalid = readdirSync(join(FIXTURES, "invalid")).filter((f) => f.endsWith(".toml"));
  it.each(invalid)("exits 1 on invalid/%s with file:line:col: key: message for every mistake", (name) => {
    const path = join(FIXTURES, "invalid", name);
    const expected = readFileSync(path, "utf8")
      .split("\n")
      .map((l) => EXPECT.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(expected.length).toBeGreaterThan(0);
    const result = cli(["validate", path]);
    expect(result.code).toBe(1);
    const lines = result.stderr.split("\n");
    for (const [, line, column, key, text] of expected) {
      const prefix = `${path}:${line}:${column}: ${key ? `${key}: ` : ""}`;
      const hit = lines.find((l) => l.startsWith(prefix));
      expect(hit, `no line starting with ${prefix} in\n${result.stderr}`).toBeDefined();
      for (const part of text!.split(" ... ")) expect(hit).toContain(part);
    }
  });

  it("exits 1 naming the line of a source that cannot be loaded and of an option the plugin rejects", () => {
    const dir = tempDir({
      "assay.toml": `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
options = { colour = "red" }

[[plugins.experiments]]
id = "e"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "b", weight = 1 }]

[[plugins]]
name = "events"
source = "./stores/missing.js"
`,
    });
    const result = cli(["validate", "assay.toml"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^assay\.toml:4:\d+: plugins\[0\]\.options\.colour: experiment-hash takes no options/m,
    );
    expect(result.stderr).toMatch(
      /^assay\.toml:12:\d+: plugins\[1\]\.source: "\.\/stores\/missing\.js" cannot be loaded/m,
    );
  });

  it("reads the manifest named by ASSAY_MANIFEST, and reports a missing file", () => {
    const dir = tempDir({ "other.toml": MANIFEST });
    expect(cli(["validate"], { cwd: dir, env: { ASSAY_MANIFEST: "other.toml" } }).code).toBe(0);
    const missing = cli(["validate"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("assay.toml:1:1: cannot read the manifest: no such file");
  });
});

describe("assay validate: plugin code is not run unless asked", () => {
  const ENTRY = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "e"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "b", weight = 1 }]

[[plugins]]
name = "mine"
`;
  // importing this module leaves a file behind: the proof that validation ran it
  const RUNS = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./ran", import.meta.url), "ran");
export default {};
`;

  it("a path source is checked to exist, never imported; --load-plugins imports it", () => {
    const dir = tempDir({ "assay.toml": `${ENTRY}source = "./mine.mjs"\n`, "mine.mjs": RUNS });
    const result = cli(["validate", "assay.toml"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'plugin "mine" ("./mine.mjs") not run, so its options are not checked: it is code from a path; --load-plugins runs it',
    );
    expect(existsSync(join(dir, "ran"))).toBe(false);

    const loaded = cli(["validate", "assay.toml", "--load-plugins"], { cwd: dir });
    expect(existsSync(join(dir, "ran"))).toBe(true);
    expect(loaded.code).toBe(1);
    expect(loaded.stderr).toContain("does not export an Assay plugin");
  });

  it("a package installed beside the manifest is not run either; a bundled one still checks its options", () => {
    const dir = tempDir({ "assay.toml": `${ENTRY}source = "evil-plugin"\n` });
    mkdirSync(join(dir, "node_modules", "evil-plugin"), { recursive: true });
    writeFileSync(
      join(dir, "node_modules", "evil-plugin", "package.json"),
      JSON.stringify({ name: "evil-plugin", type: "module", main: "index.js" }),
    );
    writeFileSync(join(dir, "node_modules", "evil-plugin", "index.js"), RUNS);
    const result = cli(["validate", "assay.toml"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("it is a package the assay runtime does not ship");
    expect(existsSync(join(dir, "node_modules", "evil-plugin", "ran"))).toBe(false);
  });

  it("a path source that is missing or not a regular file is an error at its line", () => {
    const dir = tempDir({ "assay.toml": `${ENTRY}source = "./plugins"\n` });
    mkdirSync(join(dir, "plugins"));
    const result = cli(["validate", "assay.toml"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^assay\.toml:11:\d+: plugins\[1\]\.source: "\.\/plugins" cannot be loaded: .*plugins is not a regular file$/m,
    );
  });
});
