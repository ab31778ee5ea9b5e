import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, MANIFEST, tempDir } from "./helpers.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const GB_PAYLOAD = join(FIXTURES, "growthbook-payload.json");

describe("- reads standard input", () => {
  it("validate - checks the manifest piped in, as it checks the file", () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const fromStdin = cli(["validate", "-"], { cwd: dir, input: MANIFEST });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe("<stdin>: valid (1 plugins, 4 experiments)\n");
    expect(cli(["validate", "assay.toml"], { cwd: dir }).stdout).toBe(
      "assay.toml: valid (1 plugins, 4 experiments)\n",
    );
  });

  it("validate - names a problem <stdin>:line:col and exits 1", () => {
    const broken = MANIFEST.replace("weight = 50, is_control = true", "weight = -5, is_control = true");
    const result = cli(["validate", "-"], { cwd: tempDir({}), input: broken });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^<stdin>:8:\d+: plugins\[0\]\.experiments\[0\]\.variants\[0\]\.weight: /m);
    expect(result.stderr).toContain("<stdin>: 1 problem");
  });

  it("validate - resolves a path source against the current directory", () => {
    const manifest = MANIFEST.replace('source = "@assay/experiment-hash"', 'source = "./my-backend.js"');
    const missing = cli(["validate", "-"], { cwd: tempDir({}), input: manifest });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("my-backend.js");
    const present = cli(["validate", "-"], {
      cwd: tempDir({ "my-backend.js": "export default {};\n" }),
      input: manifest,
    });
    expect(present.code).toBe(0);
    expect(present.stdout).toContain("not run, so its options are not checked");
  });

  it("import growthbook - writes the same manifest as from the file, naming standard input", () => {
    const payload = readFileSync(GB_PAYLOAD, "utf8");
    const fromFile = cli(["import", "growthbook", GB_PAYLOAD]);
    const fromStdin = cli(["import", "growthbook", "-"], { input: payload });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain("from standard input.");
    // The same manifest but for the line naming where it came from.
    const body = (text: string) => text.split("\n").slice(1).join("\n");
    expect(body(fromStdin.stdout)).toBe(body(fromFile.stdout));
    expect(fromStdin.stderr).toMatch(/imported 5 experiment\(s\) from <stdin>;/);
  });

  it("import - with -o writes a manifest that validates; bad JSON on stdin exits 1 naming <stdin>", () => {
    const dir = tempDir({});
    const out = join(dir, "out", "assay.toml");
    const written = cli(["import", "growthbook", "-", "-o", out], {
      input: readFileSync(GB_PAYLOAD, "utf8"),
    });
    expect(written.code).toBe(0);
    expect(cli(["validate", out]).code).toBe(0);
    const bad = cli(["import", "posthog", "-"], { input: "{ not json" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^assay import: <stdin>: not valid JSON/m);
  });

  it("import - stops past the 32 MiB payload limit", () => {
    const dir = tempDir({});
    const big = join(dir, "big.json");
    writeFileSync(big, `[${"0,".repeat(17 * 1024 * 1024)}0]`);
    const result = cli(["import", "growthbook", "-"], { input: readFileSync(big, "utf8") });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("larger than the import's limit of 32 MiB");
  });
});
