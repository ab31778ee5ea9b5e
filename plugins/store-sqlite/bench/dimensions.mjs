// `node bench/dimensions.mjs [module]`: the append cost of the SQLite store (writer thread, folding deferred,
// synchronous FULL), exposures and outcomes (half each) appended directly in batches of 2,000, without and with
// two dimensions on every exposure; the median of 5 rounds of 400,000 events each. `module` defaults to the
// built @assay/store-sqlite (pass another build's dist/index.js to compare before and after).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { SqliteEventStore } = await import(process.argv[2] ?? "@assay/store-sqlite");
const N = 400_000;
const BATCH = 2_000;
const countries = ["DE", "FR", "US", "BR", "JP"];
const platforms = ["ios", "android", "web"];
for (const dims of ["0", "1"]) {
  const label = dims === "1" ? "two dimensions on every exposure" : "no dimensions";
  const results = [];
  for (let round = 0; round < 5; round++) {
    const store = new SqliteEventStore({
      path: join(mkdtempSync(join(tmpdir(), "dimbench-")), "e.db"),
      rollupStep: 0,
    });
    const t0 = Date.now();
    let ns = 0n;
    for (let b = 0; b < N / BATCH; b++) {
      const batch = [];
      for (let i = 0; i < BATCH; i++) {
        const k = b * BATCH + i;
        const userId = `user-${k % 100_000}`;
        const timestamp = new Date(t0 + k);
        if (k % 2 === 0) {
          batch.push({
            type: "exposure",
            eventId: `e${round}-${k}`,
            experiment: "bench",
            variantId: k % 4 === 0 ? "control" : "treatment",
            userId,
            timestamp,
            ...(dims === "1"
              ? { dimensions: { country: countries[k % 5], platform: platforms[k % 3] } }
              : {}),
          });
        } else {
          batch.push({
            type: "outcome",
            eventId: `e${round}-${k}`,
            experiment: "bench",
            metric: "revenue",
            value: { kind: "numeric", value: k % 50 },
            userId,
            timestamp,
          });
        }
      }
      const t = process.hrtime.bigint();
      await store.append(batch);
      ns += process.hrtime.bigint() - t;
    }
    results.push(Number(ns) / N / 1000);
    await store.close();
  }
  results.sort((a, b) => a - b);
  console.log(
    `${label}: median ${results[2].toFixed(3)} µs per event appended (rounds: ${results.map((r) => r.toFixed(3)).join(", ")})`,
  );
}
