// SIGTERM with 400,000 records pending, on the default store (SQLite beside the manifest): how long from the
// signal to the process's exit, with every record on disk. Kubernetes sends SIGKILL 30 s after SIGTERM; the
// target is 10 s. The app runs in a child process, as in production: it tracks 400,000 outcomes without
// awaiting (maxQueue raised to 500,000 so all are accepted), then signals itself.
// Run: node bench/sigterm-flush.mjs [records] (after building the packages).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SqliteEventStore } from "@assay/store-sqlite";

const records = Number(process.argv[2] ?? 400_000);
const dir = mkdtempSync(join(tmpdir(), "assay-bench-sigterm-"));
writeFileSync(
  join(dir, "assay.toml"),
  `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout_button_color"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`,
);
const runtime = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
writeFileSync(
  join(dir, "app.mjs"),
  `
const { createAssay } = await import(${JSON.stringify(runtime)});
const assay = await createAssay({ manifest: process.argv[2], pipeline: { maxQueue: ${Math.max(records, 100_000)} } });
const ctx = { userId: "u0", attributes: {} };
const variant = assay.assign("checkout_button_color", ctx);
await assay.expose(variant, ctx);
for (let i = 0; i < ${records}; i++) void assay.track("checkout_button_color", "items", { kind: "count", value: 1 }, ctx);
console.log("pending " + assay.store.pending);
process.kill(process.pid, "SIGTERM");
`,
);
const child = spawn(process.execPath, [join(dir, "app.mjs"), join(dir, "assay.toml")], { stdio: "pipe" });
let signalledAt = 0n;
let out = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
  if (signalledAt === 0n && out.includes("pending")) signalledAt = process.hrtime.bigint();
});
child.stderr.pipe(process.stderr);
const signal = await new Promise((resolve) => child.on("exit", (_code, s) => resolve(s)));
const ms = Number(process.hrtime.bigint() - signalledAt) / 1e6;
const store = new SqliteEventStore({ path: join(dir, ".assay", "events.db") });
const summary = await store.summarize({ experiment: "checkout_button_color" });
await store.close();
const stored = summary.metrics.find((m) => m.metric === "items")?.variants.reduce((n, v) => n + v.sum, 0);
console.log(
  `SIGTERM flush, default SQLite store, node ${process.version}: ${out.trim()}; exit by ${signal} ${ms.toFixed(0)} ms after the signal; stored ${stored} of ${records}`,
);
if (stored !== records) process.exitCode = 1;
