import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/index.js";

// A writer process streams events through the pipeline into SQLite and prints each event id once its append
// resolved; it is killed with SIGKILL mid-stream. Runs on the built packages, as an app would.
const require = createRequire(import.meta.url);
const STORE = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
const PIPELINE = pathToFileURL(require.resolve("@assay/pipeline")).href;

const WRITER = `
const { SqliteEventStore } = await import(${JSON.stringify(STORE)});
const { BatchingEventStore } = await import(${JSON.stringify(PIPELINE)});
const store = new BatchingEventStore(new SqliteEventStore({ path: process.argv[2], rollupStep: 1000 }), {
  maxBatch: 500, maxDelayMs: 1,
});
let out = [];
for (let i = 0; ; i++) {
  const id = "evt-" + i;
  const event = { type: i % 3 === 0 ? "exposure" : "outcome", eventId: id, experiment: "crash", userId: "u" + (i % 997),
    timestamp: new Date(Date.UTC(2026, 0, 1) + i), variantId: "control", metric: "m", value: { kind: "count", value: 1 } };
  // a retry of an earlier id now and then: must never count twice
  const again = i > 10 && i % 10 === 0 ? [{ ...event, eventId: "evt-" + (i - 7) }] : [];
  const p = store.append([event, ...again]).then(() => out.push(id));
  if (i % 2000 === 0) {
    await p;
    // pipes are written synchronously on Linux: what is printed has resolved
    if (out.length) process.stdout.write(out.join("\\n") + "\\n");
    out = [];
  }
}
`;

describe("kill -9 during a stream", () => {
  it("keeps every event whose append resolved, each once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assay-crash-"));
    const path = join(dir, "events.db");
    await writeFile(join(dir, "writer.mjs"), WRITER);
    const child = spawn(process.execPath, [join(dir, "writer.mjs"), path], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, s) => resolve(s)));
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.split("\n").length > 30_000) resolve();
      });
      child.on("exit", () => resolve());
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(stderr).toBe("");

    const acknowledged = stdout.split("\n").filter((l) => /^evt-\d+$/.test(l));
    expect(acknowledged.length).toBeGreaterThan(30_000);
    const db = new Database(path, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const stored = new Set(db.prepare("SELECT event_id FROM events").pluck().all() as string[]);
    const total = db.prepare("SELECT count(*) FROM events").pluck().get() as number;
    db.close();
    expect(total).toBe(stored.size); // nothing twice
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]); // every acknowledged event is there

    // the rollups (partly folded in the background before the kill) agree with the rows
    const store = new SqliteEventStore({ path });
    const summary = await store.summarize({ experiment: "crash" });
    await store.close();
    const check = new Database(path, { readonly: true });
    const exposures = check.prepare("SELECT count(*) FROM event_rows WHERE type = 0").pluck().get() as number;
    const outcomes = check.prepare("SELECT count(*) FROM event_rows WHERE type = 1").pluck().get() as number;
    check.close();
    expect(summary.variants[0]?.exposures).toBe(exposures);
    const counted = summary.metrics[0]!.variants[0]!.sum;
    expect(counted + summary.unattributedOutcomes).toBe(outcomes);
  });
});
