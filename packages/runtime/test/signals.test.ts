import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SqliteEventStore } from "@assay/store-sqlite";
import { describe, expect, it } from "vitest";
import { appDir, HASH_MANIFEST } from "./helpers.js";

// Runs in a child process on the built package, as an app would: records without awaiting, then receives
// SIGTERM. The records must be on disk when the process has exited, and the exit must still be by SIGTERM.
describe("SIGTERM", () => {
  it("flushes pending records before the process exits", async () => {
    const runtime = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
    const dir = await appDir({
      "assay.toml": HASH_MANIFEST,
      "app.mjs": `
const { createAssay } = await import(${JSON.stringify(runtime)});
const assay = await createAssay({ manifest: process.argv[2] });
const ctx = { userId: "sig", attributes: {} };
const variant = assay.assign("checkout_button_color", ctx);
void assay.expose(variant, ctx);
void assay.track("checkout_button_color", "checkout", true, ctx);
for (let i = 0; i < 500; i++) void assay.track("checkout_button_color", "items", { kind: "count", value: 1 }, ctx);
process.kill(process.pid, "SIGTERM");
setTimeout(() => { console.log("still alive"); process.exit(3); }, 10_000);
`,
    });
    const child = spawn(process.execPath, [join(dir, "app.mjs"), join(dir, "assay.toml")], { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (c, s) => resolve([c, s])),
    );
    expect(stderr).toBe("");
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
    // the default store: SQLite beside the manifest
    const store = new SqliteEventStore({ path: join(dir, ".assay", "events.db") });
    const summary = await store.summarize({ experiment: "checkout_button_color" });
    await store.close();
    expect(summary.variants.map((v) => v.exposures)).toEqual([1]);
    expect(summary.metrics.map((m) => [m.metric, m.variants[0]?.sum])).toEqual([
      ["checkout", 1],
      ["items", 500],
    ]);
  });
});
