// `pnpm bench`: the recordExposure hot path, durable ingest through the pipeline into SQLite (10% duplicate
// ids), awaited-record latency, and summary latency as events grow. Runs on the built packages (turbo builds
// them first). ASSAY_BENCH_MILLIONS=1,10,30 sets the sizes summarized (default 1); ASSAY_BENCH_INGEST_ROUNDS the
// runs of each ingest setting (default 3).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { HashExperimentBackend } from "@assay/experiment-hash";
import { BatchingEventStore } from "@assay/pipeline";
import { SqliteEventStore } from "@assay/store-sqlite";
import { ingest, printIngestRounds, printSummaryAfterIngest, row } from "@assay/testing/bench";

const millions = (process.env.ASSAY_BENCH_MILLIONS ?? "1").split(",").map(Number);
const ingestRounds = Number(process.env.ASSAY_BENCH_INGEST_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), "assay-bench-sqlite-"));
const ms = (n) => n.toFixed(2);
console.log(
  `SQLite ${"(better-sqlite3 12, WAL, synchronous=FULL)"} on ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`,
);

// 1. Hot path: recordExposure not awaited (validation, UUIDv7, enqueue) through the real backend, timed in
// chunks of 1,000 calls with the event loop free between them, so commits run as they would in a server.
// Paced: the next chunk waits until at most 10,000 events are outstanding, as in a server below the store's
// capacity. Unpaced: chunks follow each other as fast as they can, the producer outruns the writer thread and
// the queue fills up to maxQueue, so the collector's work on the queued events shows in the timed calls, and
// the records past it are refused at once (QueueFullError, counted in the pipeline's stats.refused).
for (const paced of [true, false]) {
  const inner = new SqliteEventStore({ path: join(dir, `hot-${paced}.db`) });
  const store = new BatchingEventStore(inner);
  const backend = new HashExperimentBackend({
    experiments: [
      {
        id: "hot",
        variants: [
          { id: "control", weight: 1, isControl: true },
          { id: "treatment", weight: 1, isControl: false },
        ],
        unit: "user",
        traffic: 1,
        enabled: true,
      },
    ],
    store,
  });
  const ids = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  let ns = 0n;
  const chunks = 1000;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const timestamp = new Date();
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) {
      void backend.recordExposure({ experiment: "hot", variantId: "control", userId: ids[i], timestamp });
    }
    ns += process.hrtime.bigint() - t;
    await new Promise((resolve) => setImmediate(resolve));
    while (paced && store.pending > 10_000) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await store.flush();
  const label = paced ? "paced, at most 10,000 outstanding" : "unpaced, the queue fills";
  console.log(
    row(`recordExposure, not awaited, ${label} (µs per call)`, Number(ns) / (chunks * 1000) / 1000),
  );
  const { refused } = store.stats;
  console.log(row("  events stored (1,000,000 less the refused)", await inner.count("hot")));
  console.log(row("  refused at the full queue", refused));
  await store.close();
}

// 2. Durable ingest, 10% duplicates, through the pipeline's record path (as recordExposure/recordOutcome):
// with the pipeline's defaults (groups of 2,000, four commits in flight: the store's commitsInFlight), then
// with two in flight; with the rollups folded in the background on the writer thread (the default), or left to
// the next summary. Each
// setting runs ASSAY_BENCH_INGEST_ROUNDS times (default 3), interleaved; the median is reported.
const ingestRuns = [
  { label: "defaults, folding deferred", pipeline: {}, rollupStep: 0 },
  { label: "2 commits in flight, folding deferred", pipeline: { concurrency: 2 }, rollupStep: 0 },
  { label: "defaults, folding in background", pipeline: {}, rollupStep: 100_000 },
];
await printIngestRounds(
  ingestRuns.map((run, i) => ({
    label: run.label,
    async run(round) {
      const inner = new SqliteEventStore({
        path: join(dir, `ingest-${i}-${round}.db`),
        rollupStep: run.rollupStep,
      });
      const store = new BatchingEventStore(inner, { maxBatch: 2000, ...run.pipeline });
      const r = await ingest(
        store,
        { experiment: "bench", units: 100_000, perUnit: 10 },
        { window: 16_000, duplicateRate: 0.1 },
      );
      const exact = (await inner.count("bench")) === r.unique;
      await store.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(inner.path + suffix, { force: true });
      return { ...r, exact };
    },
  })),
  ingestRounds,
);

// 3. Latency of an awaited record: one caller at a time, then 64 callers.
for (const window of [1, 64]) {
  const inner = new SqliteEventStore({ path: join(dir, `latency-${window}.db`) });
  const store = new BatchingEventStore(inner);
  const r = await ingest(
    store,
    { experiment: "lat", units: 500 * Math.sqrt(window), perUnit: 10 },
    { window, duplicateRate: 0 },
  );
  console.log(row(`awaited record, ${window} caller(s): p50 / p99 ms`, `${ms(r.p50Ms)} / ${ms(r.p99Ms)}`));
  console.log(row("  events/s", r.eventsPerSecond));
  await store.close();
}

// 4. Summary latency as events grow for a fixed 100,000 units (10, 100, 300 events per unit), with the
// rollups current, plus the one-off cost of folding the new events in. ASSAY_BENCH_UNITS_CURVE=1 also
// measures 1,000,000 units at 10 events each.
{
  const inner = new SqliteEventStore({ path: join(dir, "summary.db"), rollupStep: 0, synchronous: "normal" });
  const store = new BatchingEventStore(inner, { maxBatch: 10_000 });
  const fold = () => inner.refreshRollups();
  let stored = 0;
  for (const m of millions) {
    const w = { experiment: "bench", units: 100_000, perUnit: m * 10 };
    await printSummaryAfterIngest(store, fold, w, { from: stored });
    stored = w.units * w.perUnit;
  }
  if (process.env.ASSAY_BENCH_UNITS_CURVE === "1") {
    await printSummaryAfterIngest(store, fold, { experiment: "wide", units: 1_000_000, perUnit: 10 });
  }
  await store.close();
}
rmSync(dir, { recursive: true, force: true });
