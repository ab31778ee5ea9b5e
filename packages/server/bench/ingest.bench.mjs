// Ingest throughput over HTTP: batched POST /v1/exposures (500 records a request) against the server running
// as its own process (test/support/serve-child.mjs, what `assay serve` runs), driven by autocannon over
// loopback; beside it, in the same run, the in-process client appending the same batches to the same kind of
// store through the runtime's pipeline (what an app embedding Assay does). SQLite (the manifest's default
// store, a fresh file) and PostgreSQL (the shared 127.0.0.1:5432, a schema of its own, dropped after).
// Run: node bench/ingest.bench.mjs (after building: npx tsc -p tsconfig.build.json).
// ASSAY_BENCH_SECONDS (default 5), ASSAY_BENCH_CONNECTIONS (default 32), ASSAY_BENCH_STORES (sqlite,postgres),
// ASSAY_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { uuidv7 } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { PostgresEventStore } from "@assay/store-postgres";
import { SqliteEventStore } from "@assay/store-sqlite";
import autocannon from "autocannon";

const SECONDS = Number(process.env.ASSAY_BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.ASSAY_BENCH_CONNECTIONS ?? 32);
const STORES = (process.env.ASSAY_BENCH_STORES ?? "sqlite,postgres").split(",");
const PG_URL = process.env.ASSAY_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BATCH = 500;
const CHILD = new URL("../test/support/serve-child.mjs", import.meta.url).pathname;

const EXPERIMENT = `[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`;

function manifestFor(store, label) {
  const dir = mkdtempSync(join(tmpdir(), `assay-ingest-bench-${label}-`));
  const schema = `bench_http_${label}_${process.pid}`;
  const storeBlock =
    store === "postgres"
      ? `[[plugins]]\nname = "events"\nsource = "@assay/store-postgres"\noptions = { url = "${PG_URL}", schema = "${schema}", max_connections = 4 }\n\n`
      : "";
  const manifest = join(dir, "assay.toml");
  writeFileSync(
    manifest,
    `${storeBlock}[[plugins]]\nname = "experiment-hash"\nsource = "@assay/experiment-hash"\n\n${EXPERIMENT}`,
  );
  return { dir, manifest, schema };
}

/** Distinct request bodies, cycled: 200 x 500 users; the server gives each record a new eventId. */
function bodies() {
  return Array.from({ length: 200 }, (_, b) =>
    JSON.stringify(
      Array.from({ length: BATCH }, (_, i) => ({
        experiment: "checkout",
        variantId: i % 2 ? "control" : "treatment",
        userId: `u${b * BATCH + i}`,
      })),
    ),
  );
}

async function stored(store, where) {
  if (store === "sqlite") {
    const s = new SqliteEventStore({ path: join(where.dir, ".assay", "events.db") });
    const n = await s.count("checkout");
    await s.close();
    return n;
  }
  const s = new PostgresEventStore({ connectionString: PG_URL, schema: where.schema });
  const n = await s.count("checkout");
  await s.close();
  return n;
}

async function dropSchema(where) {
  // pg through the store's own dependency: the server does not depend on it
  const pg = createRequire(fileURLToPath(import.meta.resolve("@assay/store-postgres")))("pg");
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${where.schema} CASCADE`);
  await client.end();
}

/** The in-process client: CONNECTIONS appends of 500 events in flight for SECONDS, as the HTTP clients keep. */
async function inProcess(store) {
  const where = manifestFor(store, `${store}_inproc`);
  const assay = await createAssay({ manifest: where.manifest, handleSignals: false });
  let events = 0;
  let u = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  const lane = async () => {
    while (performance.now() < end) {
      const now = new Date();
      const batch = Array.from({ length: BATCH }, (_, i) => ({
        type: "exposure",
        eventId: uuidv7(),
        experiment: "checkout",
        variantId: i % 2 ? "control" : "treatment",
        userId: `u${u++ % 100_000}`,
        timestamp: now,
      }));
      await assay.store.append(batch);
      events += BATCH;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  const seconds = (performance.now() - t0) / 1000;
  await assay.close();
  const count = await stored(store, where);
  if (store === "postgres") await dropSchema(where);
  return { eventsPerSecond: events / seconds, events, count };
}

function startServer(manifest) {
  const child = spawn(process.execPath, [CHILD, manifest], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1].replace(/\/$/, "") });
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function overHttp(store) {
  const where = manifestFor(store, `${store}_http`);
  const { child, url } = await startServer(where.manifest);
  const pool = bodies();
  let next = 0;
  const result = await autocannon({
    url: `${url}/v1/exposures`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({ ...request, body: pool[next++ % pool.length] }),
      },
    ],
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  const count = await stored(store, where);
  if (store === "postgres") await dropSchema(where);
  const ok = result["2xx"];
  return {
    eventsPerSecond: (ok * BATCH) / SECONDS,
    requestsPerSecond: ok / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    acknowledged: ok * BATCH,
    count,
  };
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}; ${SECONDS} s per run, ${CONNECTIONS} connections, batches of ${BATCH}`,
);
for (const store of STORES) {
  const local = await inProcess(store);
  console.log(
    `${store}  in-process  ${fmt(local.eventsPerSecond)} events/s  (${fmt(local.events)} appended, ${fmt(local.count)} stored)`,
  );
  const http = await overHttp(store);
  console.log(
    `${store}  HTTP        ${fmt(http.eventsPerSecond)} events/s  ${fmt(http.requestsPerSecond)} req/s  p50 ${http.p50} ms  p99 ${http.p99} ms  (${fmt(http.acknowledged)} acknowledged, ${fmt(http.count)} stored, non-2xx ${http.non2xx}, errors ${http.errors})`,
  );
}
