import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { appDir, HASH_MANIFEST } from "./helpers.js";

// SIGTERM while the store's commit hangs (a lock held, a half-open connection): the flush must not wait for the
// store forever. The pipeline's deadline answers the pending records, and the process exits by SIGTERM soon
// after it, long before an orchestrator's SIGKILL. Runs on the built package, in a child process.
describe("SIGTERM with a hung store", () => {
  it("exits by SIGTERM within the pipeline's deadline, reporting the records it could not store", async () => {
    const runtime = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
    const dir = await appDir({
      "assay.toml": HASH_MANIFEST,
      "app.mjs": `
const { createAssay } = await import(${JSON.stringify(runtime)});
const hung = { name: "hung", append: () => new Promise(() => {}), summarize: () => new Promise(() => {}) };
const assay = await createAssay({
  manifest: process.argv[2],
  store: hung,
  pipeline: { retry: { deadlineMs: 500 } },
  // stdout to a pipe is written synchronously on Linux: what is printed before the signal ends the process arrives
  onError: (error) => console.log("reported " + error.name + ": " + error.message),
});
const ctx = { userId: "sig", attributes: {} };
for (let i = 0; i < 1000; i++) void assay.track("checkout_button_color", "items", { kind: "count", value: 1 }, ctx);
process.kill(process.pid, "SIGTERM");
setTimeout(() => { console.log("still alive"); process.exit(3); }, 10_000).unref();
`,
    });
    const started = Date.now();
    const child = spawn(process.execPath, [join(dir, "app.mjs"), join(dir, "assay.toml")], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (c, s) => resolve([c, s])),
    );
    expect(stderr).toBe("");
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(stdout).toMatch(
      /^reported BackendError: the hung event store did not answer a commit of 1000 events within 500 ms/m,
    );
  }, 20_000);
});
