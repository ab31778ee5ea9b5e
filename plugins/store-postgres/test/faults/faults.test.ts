import { findPostgresBin, PostgresCluster } from "@assay/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_NAME, type AppReport, FaultApp, ledger, sleep } from "./fault-app.js";

// Real faults on a PostgreSQL server of the tests' own (never the shared one): its backends terminated, the
// server SIGKILLed and restarted, a table locked, the server down when the app starts. The app streams
// acknowledged events from a child process; each test counts what it was told was stored against what the
// database holds. Skipped only when the server binaries are missing outside CI; in CI they must be there
// (.ci/run installs them).
const bin = findPostgresBin();
if (bin === undefined && (process.env.CI !== undefined || process.env.ASSAY_REQUIRE_PG_BIN === "1")) {
  throw new Error(
    "CI: the PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) are required for the fault tests",
  );
}
if (bin === undefined) {
  console.warn(
    "store-postgres fault tests SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)",
  );
}

describe.skipIf(bin === undefined)("PostgreSQL faults under a stream of acknowledged events", () => {
  let cluster: PostgresCluster;
  const apps: FaultApp[] = [];
  beforeAll(async () => {
    cluster = await PostgresCluster.start();
  });
  afterAll(async () => {
    for (const app of apps) app.kill();
    await cluster?.destroy();
  });

  const start = async (
    schema: string,
    deadlineMs: number,
    extra: { statementTimeoutMs?: number; lockTimeoutMs?: number } = {},
  ) => {
    const app = await FaultApp.start(cluster, { schema, deadlineMs, ...extra });
    apps.push(app);
    return app;
  };

  /** The checks every fault shares: no acknowledged event lost, none counted twice, refusals only past the deadline. */
  const expectIntact = async (schema: string, report: AppReport, deadlineMs: number) => {
    const books = await ledger(cluster, schema, report);
    expect(books.lost).toBe(0);
    expect(books.stored).toBeGreaterThanOrEqual(report.acked.length);
    expect(books.summaryExposures).toBe(books.storedExposures);
    expect(books.summaryOutcomes).toBe(books.expectedOutcomes);
    for (const r of report.refused) {
      expect(r.name).toBe("BackendError");
      // The deadline counts from when a group's first event was accepted, so a later event of the same group
      // hears a little sooner after its own call: by at most the time a group stays open (a few ms).
      expect(r.ms).toBeGreaterThanOrEqual(deadlineMs - 50);
    }
    return books;
  };

  it("(a) pg_terminate_backend of the store's connections, three times: nothing lost, nothing refused", async () => {
    const schema = "fault_terminate";
    const deadlineMs = 10_000;
    const app = await start(schema, deadlineMs);
    await app.ackedMoreThan(2000, 20_000);
    const before = app.acked;
    const t0 = Date.now();
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      terminated += await cluster.terminateBackends(APP_NAME);
      await sleep(700);
    }
    const lastFault = Date.now() - 700;
    const recovered = await app.ackedMoreThan(app.acked + 2000, 20_000);
    await sleep(1000); // a round of summaries and sticky reads after the fault
    const rssMb = app.maxRssMb(t0, recovered);
    const report = await app.stop();
    const books = await expectIntact(schema, report, deadlineMs);
    expect(terminated).toBeGreaterThanOrEqual(3);
    expect(report.refused).toEqual([]);
    // the summaries' and the sticky refresh's clients were cut too: they failed, then recovered by themselves
    expect(report.side.lastSummaryAt).toBeGreaterThan(lastFault);
    expect(report.side.lastStickyAt).toBeGreaterThan(lastFault);
    expect(rssMb).toBeLessThan(300);
    console.info(
      `(a) terminate: ${terminated} backends terminated; acknowledged ${report.acked.length} (${before} before), stored ${books.stored}, refused 0; recovered in ${recovered - lastFault} ms; summaries ${report.side.summaries} ok / ${report.side.summaryErrors} failed; max RSS ${rssMb.toFixed(0)} MB`,
    );
  });

  it("(b) kill -9 of the postmaster, restarted 5 s later: nothing lost, nothing refused within the deadline", async () => {
    const schema = "fault_kill";
    const deadlineMs = 20_000;
    const app = await start(schema, deadlineMs);
    await app.ackedMoreThan(2000, 20_000);
    const t0 = Date.now();
    await cluster.kill9();
    await sleep(5000);
    const ackedDuringOutage = app.acked;
    await cluster.startServer();
    const up = Date.now();
    const recovered = await app.ackedMoreThan(ackedDuringOutage, 15_000);
    await app.ackedMoreThan(app.acked + 2000, 20_000);
    const rssMb = app.maxRssMb(t0, Date.now());
    const report = await app.stop();
    const books = await expectIntact(schema, report, deadlineMs);
    expect(report.refused).toEqual([]);
    expect(rssMb).toBeLessThan(300);
    console.info(
      `(b) kill -9: acknowledged ${report.acked.length}, stored ${books.stored}, refused 0; first acknowledgement ${recovered - up} ms after the server was up; max RSS ${rssMb.toFixed(0)} MB`,
    );
  });

  it("(c) ACCESS EXCLUSIVE lock held past the deadline: callers refused only at the deadline, then the stream resumes", async () => {
    // Scaled: the 45 s lock against the default 30 s deadline becomes 8 s against 3 s (the lock outlives
    // the deadline 2.7 times), with lock_timeout 500 ms so a blocked commit fails and is retried.
    const schema = "fault_lock";
    const deadlineMs = 3000;
    const app = await start(schema, deadlineMs, { statementTimeoutMs: 2000, lockTimeoutMs: 500 });
    await app.ackedMoreThan(2000, 20_000);
    const t0 = Date.now();
    const lock = await cluster.holdLock("postgres", `${schema}.events`, 8000);
    await lock.released;
    const released = Date.now();
    await app.ackedMoreThan(app.acked + 2000, 20_000);
    const rssMb = app.maxRssMb(t0, Date.now());
    const report = await app.stop();
    const books = await expectIntact(schema, report, deadlineMs);
    expect(report.refused.length).toBeGreaterThan(0);
    // the deadline is a timer: a refusal comes at it, not when the lock is released
    for (const r of report.refused) expect(r.ms).toBeLessThan(deadlineMs + 1500);
    expect(rssMb).toBeLessThan(300);
    console.info(
      `(c) lock: acknowledged ${report.acked.length}, stored ${books.stored}, refused ${report.refused.length} after ${Math.min(...report.refused.map((r) => r.ms))}-${Math.max(...report.refused.map((r) => r.ms))} ms (deadline ${deadlineMs}); lock held ${released - t0} ms; max RSS ${rssMb.toFixed(0)} MB`,
    );
  });

  it("(d) the server down when the app starts, up 4 s later: records wait and are stored", async () => {
    const schema = "fault_cold";
    const deadlineMs = 20_000;
    await cluster.stop();
    const app = await start(schema, deadlineMs);
    const t0 = Date.now();
    await sleep(4000);
    expect(app.alive).toBe(true);
    expect(app.acked).toBe(0);
    await cluster.startServer();
    const up = Date.now();
    const recovered = await app.ackedMoreThan(0, 15_000);
    await app.ackedMoreThan(2000, 20_000);
    const rssMb = app.maxRssMb(t0, Date.now());
    const report = await app.stop();
    const books = await expectIntact(schema, report, deadlineMs);
    expect(report.refused).toEqual([]);
    expect(rssMb).toBeLessThan(300);
    console.info(
      `(d) cold start: acknowledged ${report.acked.length}, stored ${books.stored}, refused 0; first acknowledgement ${recovered - up} ms after the server was up; max RSS ${rssMb.toFixed(0)} MB`,
    );
  });
});
