// `pnpm bench`: durable ingest through the pipeline into PostgreSQL (10% duplicate ids), awaited-record
// latency, and summary latency. Runs on the built packages against ASSAY_TEST_POSTGRES_URL (default the local
// server), in a schema of its own that is dropped afterwards. ASSAY_BENCH_MILLIONS=1,10 sets the sizes,
// ASSAY_BENCH_INGEST_ROUNDS the runs of each ingest setting (default 3).
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { BatchingEventStore } from "@assay/pipeline";
import { PostgresEventStore } from "@assay/store-postgres";
import { ingest, printIngestRounds, printSummaryAfterIngest, row } from "@assay/testing/bench";
import pg from "pg";

const url = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const millions = (process.env.ASSAY_BENCH_MILLIONS ?? "1").split(",").map(Number);
const ingestRounds = Number(process.env.ASSAY_BENCH_INGEST_ROUNDS ?? 3);
const schema = `assay_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
const ms = (n) => n.toFixed(2);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const version = (await admin.query("SHOW server_version")).rows[0].server_version;
const sync = (await admin.query("SHOW synchronous_commit")).rows[0].synchronous_commit;
const fsync = (await admin.query("SHOW fsync")).rows[0].fsync;
console.log(
  `PostgreSQL ${version} (synchronous_commit=${sync}, fsync=${fsync}) on ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`,
);
try {
  // 1. Durable ingest, 10% duplicates, through the pipeline's record path, up to 16,000 records
  // outstanding, groups of 2,000 (the default): one commit in flight, the default two, then four; rollups
  // folded on the server in the background (default) or only when summarizing (foldStep 0). Each setting runs
  // ASSAY_BENCH_INGEST_ROUNDS times (default 3), interleaved; the median is reported.
  const ingestRuns = [
    { label: "1 commit in flight, folding deferred", concurrency: 1, foldStep: 0 },
    { label: "defaults, folding deferred", concurrency: 2, foldStep: 0 },
    { label: "4 commits in flight, folding deferred", concurrency: 4, foldStep: 0 },
    { label: "defaults, folding in background", concurrency: 2, foldStep: 50_000 },
  ];
  await printIngestRounds(
    ingestRuns.map((run, i) => ({
      label: run.label,
      async run(round) {
        const inner = new PostgresEventStore({ connectionString: url, schema, foldStep: run.foldStep });
        const store = new BatchingEventStore(inner, { concurrency: run.concurrency });
        await store.init();
        const experiment = `ingest${i}_${round}`;
        const r = await ingest(
          store,
          { experiment, units: 100_000, perUnit: 10 },
          { window: 16_000, duplicateRate: 0.1 },
        );
        const exact = (await inner.count(experiment)) === r.unique;
        await store.close();
        return { ...r, exact };
      },
    })),
    ingestRounds,
  );
  // 2. Latency of an awaited record: one caller at a time, then 64 callers.
  for (const window of [1, 64]) {
    const store = new BatchingEventStore(new PostgresEventStore({ connectionString: url, schema }));
    const r = await ingest(
      store,
      { experiment: `lat${window}`, units: 500 * Math.sqrt(window), perUnit: 10 },
      { window, duplicateRate: 0 },
    );
    console.log(row(`awaited record, ${window} caller(s): p50 / p99 ms`, `${ms(r.p50Ms)} / ${ms(r.p99Ms)}`));
    console.log(row("  events/s", r.eventsPerSecond));
    await store.close();
  }
  // 3. Summary latency as events grow for a fixed 100,000 units (10, 100 events per unit), rollups current;
  // the one-off cost of folding the new events in is reported apart. On a fresh schema, like SQLite's: the
  // ingest runs above left millions of unfolded events that are not this workload's.
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  {
    const inner = new PostgresEventStore({ connectionString: url, schema, foldStep: 0 });
    const store = new BatchingEventStore(inner, { maxBatch: 10_000 });
    let stored = 0;
    for (const m of millions) {
      const w = { experiment: "bench", units: 100_000, perUnit: m * 10 };
      await printSummaryAfterIngest(store, () => inner.foldAll(), w, { from: stored });
      stored = w.units * w.perUnit;
    }
    await store.close();
  }
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
