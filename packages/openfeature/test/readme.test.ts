// The README's example, type-checked and run as written: the toml block becomes assay.toml, the ts block the
// app (type-checked by this repository's TypeScript with the packages' strict settings, then imported), in a
// directory of its own as the working directory, so `manifest: "assay.toml"` and the default SQLite store
// beside it are what an app gets. The exposure and the outcome are then read back from that store.
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAssay } from "@assay/runtime";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(packageDir, "README.md"), "utf8");

/** The fenced blocks of the `## Example` section, by language. */
function exampleBlocks(): Record<string, string> {
  const start = readme.indexOf("\n## Example\n");
  if (start < 0) throw new Error('README.md has no "## Example" section');
  const rest = readme.slice(start + 12);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks: Record<string, string> = {};
  for (const [, lang, code] of section.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    if (lang !== undefined && code !== undefined) blocks[lang] = code;
  }
  return blocks;
}

// An app directory of its own outside this repository, its node_modules linking the packages the example
// imports (this one among them, by its name), as an install would lay them out.
const modules = join(packageDir, "node_modules");
const dir = mkdtempSync(join(tmpdir(), "assay-openfeature-readme-"));
for (const name of ["@assay/runtime", "@openfeature/server-sdk", "@openfeature/core", "@types/node"]) {
  mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
  symlinkSync(realpathSync(join(modules, name)), join(dir, "node_modules", name), "dir");
}
symlinkSync(packageDir, join(dir, "node_modules", "@assay", "openfeature"), "dir");
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("README example", () => {
  it("type-checks, runs, and records one exposure and one outcome", async () => {
    const blocks = exampleBlocks();
    expect(Object.keys(blocks).sort()).toEqual(["toml", "ts"]);
    writeFileSync(join(dir, "assay.toml"), blocks.toml ?? "");
    writeFileSync(join(dir, "app.ts"), blocks.ts ?? "");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(packageDir, "..", "..", "tsconfig.base.json"),
        compilerOptions: {
          rootDir: ".",
          outDir: ".",
          declaration: false,
          declarationMap: false,
          sourceMap: false,
        },
        files: ["app.ts"],
      }),
    );
    const tsc = join(modules, ".bin", "tsc");
    // The app sees this package as an install would: its dist, built from the sources under test.
    execFileSync(tsc, ["-p", join(packageDir, "tsconfig.build.json")], { encoding: "utf8" });
    try {
      execFileSync(tsc, ["-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
    } catch (error) {
      throw new Error(
        `the README's example does not compile:\n${(error as { stdout?: string }).stdout ?? ""}`,
      );
    }
    // Run as an app runs: plain Node in the app's directory, so `manifest: "assay.toml"` is the file beside it.
    const printed = execFileSync(process.execPath, ["app.js"], { cwd: dir, encoding: "utf8" })
      .trim()
      .split("\n");
    expect(printed[0]).toBe(
      'blue treatment SPLIT {"experiment":"checkout_button_color","inExperiment":true,"assayReason":"hash"}',
    );
    expect(printed[1]).toBe("true");

    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    try {
      const summary = await assay.summarize("checkout_button_color");
      expect(summary.variants.map((v) => [v.exposedUnits, v.exposures])).toEqual([[1, 1]]);
      expect(summary.metrics.map((m) => [m.metric, m.variants[0]?.sum])).toEqual([["checkout", 49.9]]);
    } finally {
      await assay.close();
    }
  });
});
