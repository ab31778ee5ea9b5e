import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const STORE = `[[plugins]]
name = "events"
source = "@assay/store-sqlite"
options = { path = "events.db" }

`;

const sticky = (salt: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
salt = "${salt}"
sticky = true
variants = [
  { id = "control", weight = 1, is_control = true },
  { id = "treatment", weight = 1 },
]
`;

describe("assay assign on a sticky experiment", () => {
  it("shows the variant the store keeps (reason sticky), and stores nothing itself", async () => {
    const dir = tempDir({ "assay.toml": STORE + sticky("first") });
    const stored = Array.from({ length: 40 }, (_, i) => `old-${i}`);
    const app = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const served = new Map(
      stored.map((u) => [u, app.assign("checkout", ExperimentContext.forUser(u)).variantId]),
    );
    await app.close();

    // a new salt re-hashes everyone; the stored units keep their first variant, as in the app
    writeFileSync(join(dir, "assay.toml"), STORE + sticky("second"));
    const fresh = Array.from({ length: 40 }, (_, i) => `new-${i}`);
    const result = cli(["assign", "checkout", "--users", "-"], {
      cwd: dir,
      input: [...stored, ...fresh].join("\n"),
    });
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { unit: string; variant: string; reason: string });
    for (const row of rows.slice(0, 40)) {
      expect(row).toMatchObject({ reason: "sticky", variant: served.get(row.unit) });
    }
    for (const row of rows.slice(40)) expect(row.reason).toBe("hash");
    // the re-hash really moves some stored units, so "sticky" is not the hash's answer by chance
    const rehashed = cli(["assign", "checkout", "--users", "-"], {
      cwd: tempDir({ "assay.toml": STORE + sticky("second") }),
      input: stored.join("\n"),
    });
    const moved = rehashed.stdout
      .trim()
      .split("\n")
      .filter((l) => {
        const row = JSON.parse(l) as { unit: string; variant: string };
        return row.variant !== served.get(row.unit);
      });
    expect(moved.length).toBeGreaterThan(5);

    // the CLI wrote no first assignment of the new units: the app still finds none for them
    const after = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const reasons = fresh.map((u) => after.assign("checkout", ExperimentContext.forUser(u)).reason);
    await after.close();
    expect(new Set(reasons)).toEqual(new Set(["hash"]));
  });

  it("does not create the default store's file when the manifest names no store", () => {
    const dir = tempDir({
      "assay.toml": sticky("s"),
    });
    const result = cli(["assign", "checkout", "--user", "alice"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ reason: "hash" });
    expect(existsSync(join(dir, ".assay"))).toBe(false);
  });
});

describe("a store that cannot be reached", () => {
  // Nothing listens on port 1: the connection is refused at once, as with a stopped database.
  const dead = `[[plugins]]
name = "events"
source = "@assay/store-postgres"
options = { url = "postgres://assay@127.0.0.1:1/test" }

[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
sticky = true
variants = [
  { id = "control", weight = 1, is_control = true },
  { id = "treatment", weight = 1 },
]
`;

  it("exits 3 (failure), not 2 (usage), with one line naming the problem", () => {
    const dir = tempDir({ "assay.toml": dead });
    // Both try the store once (an app's createAssay retries a store down at startup for 30 s).
    for (const args of [
      ["assign", "checkout", "--user", "alice"],
      ["results", "checkout"],
    ]) {
      const result = cli(args, { cwd: dir });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/ECONNREFUSED|connect/i);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe("");
    }
  });
});
