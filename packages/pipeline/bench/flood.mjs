// A flood of unawaited records through the pipeline, in front of a store that takes a group in 1 ms and only
// counts, so what is timed is the pipeline: admission, grouping, settling. Two settings:
// - maxQueue = N: every record is accepted; the time per record must stay flat as N grows (linear drain).
// - the default maxQueue (100,000) with N = 1,000,000 produced in chunks of 20,000: the records past the bound
//   are refused at once and counted; peak heap and RSS stay bounded.
// Run: node bench/flood.mjs [linear|bounded] (after building: npx tsc -p tsconfig.build.json); each setting in a
// process of its own gives the bounded case's RSS unmixed with the other's.
import { BatchingEventStore } from "../dist/index.js";

class CountingStore {
  name = "counting";
  stored = 0;
  async append(batch) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.stored += batch.length;
    return { inserted: batch.length, duplicates: 0 };
  }
  async summarize() {
    throw new Error("not used");
  }
}

const timestamp = new Date();
const event = (i) => ({
  type: "exposure",
  eventId: `f${i}`,
  experiment: "x",
  variantId: "control",
  userId: `u${i}`,
  timestamp,
});

async function run(total, maxQueue, chunk) {
  const inner = new CountingStore();
  const store = new BatchingEventStore(inner, { maxQueue });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i += chunk) {
    let last;
    for (let j = i; j < Math.min(total, i + chunk); j++) {
      const p = store.record(event(j));
      if (p !== last) {
        last = p;
        p.catch(() => {});
      }
    }
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed - heap0);
    peakRss = Math.max(peakRss, m.rss);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.flush();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const s = store.stats;
  if (inner.stored !== s.accepted || s.accepted + s.refused !== total) throw new Error("lost events");
  console.log(
    `  N=${String(total).padStart(9)} maxQueue=${String(maxQueue).padStart(9)}: ${ms.toFixed(0).padStart(6)} ms, ${((ms * 1000) / total).toFixed(2)} µs/record, accepted ${s.accepted}, refused ${s.refused}, peak heap +${(peakHeap / 2 ** 20).toFixed(0)} MB, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`,
  );
}

console.log(`pipeline flood, node ${process.version}`);
const only = process.argv[2];
if (only !== "bounded") for (const n of [250_000, 500_000, 1_000_000]) await run(n, n, n); // all at once, all accepted
if (only !== "linear") await run(1_000_000, 100_000, 20_000); // the default bound
