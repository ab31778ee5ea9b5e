import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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
    const lines = (await readFile(join(dir, ".assay", "events.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(["exposure", "outcome"]);
  });
});
