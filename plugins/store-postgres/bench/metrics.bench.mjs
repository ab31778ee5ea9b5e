// `pnpm bench`: the metrics benchmark of issue 20 on PostgreSQL (ASSAY_TEST_POSTGRES_URL, default the local
// server), in schemas of its own dropped afterwards: one experiment with 10 metrics (2 ratio, 2 capped, 2
// windowed, CUPED on 4) and 2 dimensions over ASSAY_BENCH_METRIC_UNITS units (default 1,000,000) x 10 events.
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { PostgresEventStore } from "@assay/store-postgres";
import { runMetricsBench } from "@assay/testing/bench";
import pg from "pg";

const url = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const units = Number(process.env.ASSAY_BENCH_METRIC_UNITS ?? 1_000_000);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const version = (await admin.query("SHOW server_version")).rows[0].server_version;
console.log(
  `PostgreSQL ${version} metrics benchmark on ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`,
);
const schemas = [];
try {
  await runMetricsBench(async () => {
    const schema = `assay_bench_metrics_${process.pid}_${randomBytes(3).toString("hex")}`;
    schemas.push(schema);
    // a catch-up fold of the whole load is one transaction whose statements run for minutes
    const store = new PostgresEventStore({
      connectionString: url,
      schema,
      foldStep: 0,
      maintenanceTimeoutMs: 3_600_000,
    });
    return { store, fold: () => store.foldAll(), close: () => store.close() };
  }, units);
} finally {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
