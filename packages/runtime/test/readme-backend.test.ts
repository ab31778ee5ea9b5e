// The root README's "Write your own backend" section, compiled and run as written: the code block becomes
// my-backend.ts (compiled by this repository's TypeScript with the strict settings of the packages), the toml
// block becomes assay.toml, and the app below assigns, exposes and tracks through it. If the API moves, this
// fails, not a reader.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { afterAll, describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(runtimeDir, "..", "..", "README.md"), "utf8");

/** The fenced blocks of one `### heading` section, by language. */
function sectionBlocks(heading: string): Record<string, string> {
  const start = readme.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "### ${heading}" section`);
  const rest = readme.slice(start + heading.length + 6);
  const end = rest.search(/\n##+ /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks: Record<string, string> = {};
  for (const match of section.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    const [, lang, code] = match;
    if (lang !== undefined && code !== undefined) blocks[lang] = code;
  }
  return blocks;
}

// Inside the runtime's node_modules (ignored by git) so that `@assay/core` resolves as it would in an app.
const cache = join(runtimeDir, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, "readme-backend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README: write your own backend", () => {
  it("compiles as written and serves, exposes and tracks through createAssay", async () => {
    const blocks = sectionBlocks("Write your own backend");
    expect(Object.keys(blocks).sort()).toEqual(["toml", "ts"]);
    expect(blocks.ts).not.toContain("kind:");
    writeFileSync(join(dir, "my-backend.ts"), blocks.ts ?? "");
    writeFileSync(join(dir, "assay.toml"), blocks.toml ?? "");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(runtimeDir, "..", "..", "tsconfig.base.json"),
        compilerOptions: {
          rootDir: ".",
          outDir: ".",
          declaration: false,
          declarationMap: false,
          sourceMap: false,
        },
        files: ["my-backend.ts"],
      }),
    );
    // Compile errors come back on stdout; execFileSync throws with them on a non-zero exit.
    try {
      execFileSync(join(runtimeDir, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], {
        encoding: "utf8",
      });
    } catch (error) {
      throw new Error(
        `the README's backend does not compile:\n${(error as { stdout?: string }).stdout ?? ""}`,
      );
    }

    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    const alice = ExperimentContext.forUser("alice");
    const variant = assay.assign("checkout_button_color", alice);
    expect(variant).toMatchObject({ variantId: "treatment", isControl: false, inExperiment: true });
    await assay.expose(variant, alice);
    await assay.track("checkout_button_color", "checkout", true, alice);
    const summary = await assay.summarize("checkout_button_color");
    expect(summary.variants).toEqual([{ variantId: "treatment", exposedUnits: 1, exposures: 1 }]);
    expect(summary.metrics.map((m) => [m.metric, m.variants[0]?.sum])).toEqual([["checkout", 1]]);
    expect(() => assay.assign("not_declared", alice)).toThrow(/not_declared/);
    await assay.close();
  });

  it("is refused with a message that names the option when the option is missing", async () => {
    const blocks = sectionBlocks("Write your own backend");
    writeFileSync(join(dir, "no-option.toml"), (blocks.toml ?? "").replace(/^options = .*$/m, ""));
    await expect(
      createAssay({
        manifest: join(dir, "no-option.toml"),
        store: new MemoryEventStore(),
        handleSignals: false,
      }),
    ).rejects.toThrow(/options\.always: must name a variant/);
  });
});
