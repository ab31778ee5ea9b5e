// The app side of the fault tests, in a process of its own so that a crash (an unhandled 'error' event of a
// dropped connection) is seen as this process dying. It streams acknowledged events (each `record` awaited)
// through the pipeline into the PostgreSQL store, summarizes and reads/writes sticky assignments on the side
// (the paths that take clients from the pool), samples its RSS, and on "stop" reports what was acknowledged
// and what was refused, with how long each refusal took. Plain JavaScript over the built packages: it runs
// under node itself, not under vitest. No uncaughtException handler, on purpose.
import { BatchingEventStore } from "@assay/pipeline";
import { PostgresEventStore } from "../../dist/index.js";

const config = JSON.parse(process.env.ASSAY_FAULT_APP ?? "{}");
const inner = new PostgresEventStore({
  connectionString: config.url,
  schema: config.schema,
  applicationName: config.applicationName,
  connectTimeoutMs: 1000,
  statementTimeoutMs: config.statementTimeoutMs,
  lockTimeoutMs: config.lockTimeoutMs,
  foldStep: 2000,
});
const store = new BatchingEventStore(inner, {
  maxBatch: 500,
  retry: { initialDelayMs: 20, maxDelayMs: 500, deadlineMs: config.deadlineMs },
});

const base = Date.now() - 3_600_000;
const event = (i) =>
  i % 2 === 0
    ? {
        type: "exposure",
        eventId: `f-${i}`,
        experiment: "faults",
        variantId: i % 4 === 0 ? "control" : "treatment",
        userId: `u${i >> 1}`,
        timestamp: new Date(base + i),
      }
    : {
        type: "outcome",
        eventId: `f-${i}`,
        experiment: "faults",
        metric: "items",
        value: { kind: "count", value: 1 },
        userId: `u${i >> 1}`,
        timestamp: new Date(base + i),
      };

const acked = [];
const refused = [];
let next = 0;
let stopping = false;
const side = {
  summaries: 0,
  summaryErrors: 0,
  sticky: 0,
  stickyErrors: 0,
  lastSummaryAt: 0,
  lastStickyAt: 0,
};

async function worker() {
  while (!stopping) {
    const i = next++;
    const started = Date.now();
    try {
      await store.record(event(i));
      acked.push(i);
      // every tenth event is sent again, as a client retrying would: it must not count twice
      if (i % 10 === 0) await store.record(event(i));
    } catch (error) {
      refused.push({
        i,
        ms: Date.now() - started,
        name: error?.name,
        code: error?.code,
        message: error?.message,
      });
    }
  }
}

async function sideTraffic() {
  while (!stopping) {
    try {
      await inner.summarize({ experiment: "faults" });
      side.summaries++;
      side.lastSummaryAt = Date.now();
    } catch {
      side.summaryErrors++;
    }
    try {
      await inner.saveStickyAssignments([
        { experiment: "faults", version: 1, unit: `u${next}`, variantId: "control" },
      ]);
      await inner.loadStickyAssignments({ experiments: [{ experiment: "faults", version: 1 }] });
      side.sticky++;
      side.lastStickyAt = Date.now();
    } catch {
      side.stickyErrors++;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const progress = setInterval(() => {
  process.send({
    type: "progress",
    t: Date.now(),
    acked: acked.length,
    refused: refused.length,
    rss: process.memoryUsage().rss,
  });
}, 100);

const workers = Array.from({ length: config.workers ?? 32 }, worker);
const sides = sideTraffic();

process.on("message", async (message) => {
  if (message?.cmd !== "stop") return;
  stopping = true;
  await Promise.all([...workers, sides]);
  await store.flush();
  clearInterval(progress);
  process.send({ type: "report", acked, refused, side, pipeline: store.stats }, async () => {
    await store.close();
    process.exit(0);
  });
});
process.send({ type: "started", t: Date.now() });
