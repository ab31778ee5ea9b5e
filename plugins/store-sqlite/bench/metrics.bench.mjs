// `pnpm bench`: the metrics benchmark of issue 20 on SQLite: one experiment with 10 metrics (2 ratio, 2
// capped, 2 windowed, CUPED on 4) and 2 dimensions over ASSAY_BENCH_METRIC_UNITS units (default 1,000,000)
// x 10 events; the summary of the 10 metrics, and the catch-up fold per event with and without them kept.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore } from "@assay/store-sqlite";
import { runMetricsBench } from "@assay/testing/bench";

const units = Number(process.env.ASSAY_BENCH_METRIC_UNITS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "assay-bench-metrics-"));
console.log(`SQLite metrics benchmark on ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
let n = 0;
try {
  await runMetricsBench(async () => {
    const path = join(dir, `metrics-${n++}.db`);
    const store = new SqliteEventStore({ path, rollupStep: 0, synchronous: "normal" });
    return {
      store,
      fold: () => store.refreshRollups(),
      close: async () => {
        await store.close();
        for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
      },
    };
  }, units);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
