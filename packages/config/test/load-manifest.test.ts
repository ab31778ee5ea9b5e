import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isManifestError, loadManifest, type ManifestIssue } from "../src/index.js";

async function loadIssues(path: string): Promise<readonly ManifestIssue[]> {
  try {
    await loadManifest(path);
  } catch (error) {
    if (isManifestError(error)) return error.issues;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("loadManifest", () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-config-"));

  test("reads and parses the file; dir is the manifest's absolute directory", async () => {
    const path = join(dir, "assay.toml");
    writeFileSync(path, '[[plugins]]\nname = "events"\nsource = "./store.js"\n');
    const manifest = await loadManifest(path);
    expect(manifest.file).toBe(path);
    expect(manifest.dir).toBe(dir);
    expect(manifest.plugins.map((p) => p.source)).toEqual(["./store.js"]);
  });

  test("a missing file is a ManifestError at 1:1", async () => {
    const path = join(dir, "missing.toml");
    const [issue, ...rest] = await loadIssues(path);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ file: path, line: 1, column: 1, key: "" });
    expect(issue?.message).toContain("no such file");
  });

  test("a directory is a ManifestError", async () => {
    const [issue] = await loadIssues(dir);
    expect(issue?.message).toContain("directory");
  });

  test("issues name the file as the caller wrote it", async () => {
    const path = join(dir, "bad.toml");
    writeFileSync(path, '[[plugins]]\nname = "events"\n');
    const [issue] = await loadIssues(path);
    expect(issue).toMatchObject({ file: path, line: 1, column: 1, key: "plugins[0].source" });
  });
});
