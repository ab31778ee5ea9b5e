import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { loadOptionalPeer, MissingPeerDependencyError } from "../src/memo/optional-peer.js";

describe("better-sqlite3 is an optional peer", () => {
  it("the package does not depend on it; it is an optional peer (and a dev dependency for these tests)", async () => {
    const manifest = (await import("../package.json", { with: { type: "json" } })).default as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.dependencies["better-sqlite3"]).toBeUndefined();
    expect(manifest.peerDependencies["better-sqlite3"]).toBe("^12.9.0");
    expect(manifest.peerDependenciesMeta["better-sqlite3"]?.optional).toBe(true);
  });

  it("a package that is not installed is a MissingPeerDependencyError with the install command", () => {
    let error: unknown;
    try {
      loadOptionalPeer("assay-no-such-package", "SqliteMemoStore (@assay/steps/sqlite)");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as MissingPeerDependencyError).message).toBe(
      "SqliteMemoStore (@assay/steps/sqlite) needs the package assay-no-such-package, which is not installed; run: npm install assay-no-such-package",
    );
    expect((error as MissingPeerDependencyError).installCommand).toBe("npm install assay-no-such-package");
    expect((error as MissingPeerDependencyError).code).toBe("BACKEND");
  });

  it("importing @assay/steps and its sqlite entry works without better-sqlite3; using the store says what to install", () => {
    const dist = join(import.meta.dirname, "..", "dist");
    expect(
      existsSync(join(dist, "index.js")),
      "build the package first (npx tsc -p tsconfig.build.json)",
    ).toBe(true);
    const script = `
      const { createStepExperiments, MemoryMemoStore } = await import(${JSON.stringify(pathToFileURL(join(dist, "index.js")).href)});
      const { SqliteMemoStore } = await import(${JSON.stringify(pathToFileURL(join(dist, "memo", "sqlite-memo-store.js")).href)});
      const store = new SqliteMemoStore({ path: ":memory:" });
      const failure = await store.get("run", "exp").catch((e) => ({ name: e.name, message: e.message, installCommand: e.installCommand }));
      process.stdout.write(JSON.stringify({ memory: typeof MemoryMemoStore, create: typeof createStepExperiments, failure }));
    `;
    const child = spawnSync(
      process.execPath,
      [
        "--require",
        join(import.meta.dirname, "fixtures", "hide-better-sqlite3.cjs"),
        "--input-type=module",
        "-e",
        script,
      ],
      { encoding: "utf8" },
    );
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual({
      memory: "function",
      create: "function",
      failure: {
        name: "MissingPeerDependencyError",
        message:
          "SqliteMemoStore (@assay/steps/sqlite) needs the package better-sqlite3, which is not installed; run: npm install better-sqlite3",
        installCommand: "npm install better-sqlite3",
      },
    });
  });
});
