import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";

// A writer process streams events through the pipeline into PostgreSQL and prints each event id once its
// append resolved; it is killed with SIGKILL mid-stream. Runs on the built packages, as an app would.
const require = createRequire(import.meta.url);
const STORE = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
const PIPELINE = pathToFileURL(require.resolve("@assay/pipeline")).href;
const schema = uniqueSchema("crash");

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const WRITER = `
const { PostgresEventStore } = await import(${JSON.stringify(STORE)});
const { BatchingEventStore } = await import(${JSON.stringify(PIPELINE)});
const store = new BatchingEventStore(
  new PostgresEventStore({ connectionString: process.argv[2], schema: process.argv[3], foldStep: 2000 }),
  { maxBatch: 500, maxDelayMs: 1 },
);
await store.init();
let out = [];
for (let i = 0; ; i++) {
  const id = "evt-" + i;
  const event = { type: i % 3 === 0 ? "exposure" : "outcome", eventId: id, experiment: "crash", userId: "u" + (i % 997),
    timestamp: new Date(Date.UTC(2026, 0, 1) + i), variantId: "control", metric: "m", value: { kind: "count", value: 1 } };
  const again = i > 10 && i % 10 === 0 ? [{ ...event, eventId: "evt-" + (i - 7) }] : [];
  const p = store.append([event, ...again]).then(() => out.push(id));
  if (i % 1000 === 0) {
    await p;
    if (out.length) process.stdout.write(out.join("\\n") + "\\n");
    out = [];
  }
}
`;

describe("kill -9 during a stream into PostgreSQL", () => {
  it("keeps every event whose append resolved, each once, and the rollups agree", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assay-pg-crash-"));
    await writeFile(join(dir, "writer.mjs"), WRITER);
    const child = spawn(process.execPath, [join(dir, "writer.mjs"), POSTGRES_URL, schema], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, s) => resolve(s)));
    let lines = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        for (const byte of chunk) if (byte === 10) lines++;
        if (lines > 20_000) resolve();
      });
      child.on("exit", () => resolve());
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(stderr).toBe("");

    const acknowledged = stdout.split("\n").filter((l) => /^evt-\d+$/.test(l));
    expect(acknowledged.length).toBeGreaterThan(20_000);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const { rows } = await client.query<{ event_id: string }>(`SELECT event_id FROM ${schema}.events`);
    const counts = await client.query<{ type: number; n: number }>(
      `SELECT type, count(*)::int AS n FROM ${schema}.events GROUP BY type ORDER BY type`,
    );
    await client.end();
    const stored = new Set(rows.map((r) => r.event_id));
    expect(stored.size).toBe(rows.length);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    // a background fold may have been cut off by the kill: the next fold still counts each event once
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema });
    const summary = await store.summarize({ experiment: "crash" });
    await store.close();
    const [exposures, outcomes] = [counts.rows[0]!.n, counts.rows[1]!.n];
    expect(summary.variants[0]?.exposures).toBe(exposures);
    expect(summary.metrics[0]!.variants[0]!.sum + summary.unattributedOutcomes).toBe(outcomes);
  });
});
