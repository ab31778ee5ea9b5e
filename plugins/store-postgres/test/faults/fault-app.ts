import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PostgresCluster } from "@assay/testing";
import pg from "pg";
import { PostgresEventStore } from "../../src/index.js";

export interface AppConfig {
  readonly schema: string;
  /** The pipeline's retry.deadlineMs. */
  readonly deadlineMs: number;
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  readonly workers?: number;
}

interface Progress {
  readonly t: number;
  readonly acked: number;
  readonly refused: number;
  readonly rss: number;
}

export interface Refusal {
  readonly i: number;
  readonly ms: number;
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

export interface AppReport {
  readonly acked: number[];
  readonly refused: Refusal[];
  readonly side: {
    summaries: number;
    summaryErrors: number;
    sticky: number;
    stickyErrors: number;
    /** When the last summary / sticky round trip succeeded. */
    lastSummaryAt: number;
    lastStickyAt: number;
  };
  readonly pipeline: Record<string, number>;
}

export const APP_NAME = "assay-fault-app";

/** The stream app (stream-app.mjs) in a child process; a crash of it rejects `stop` with its stderr. */
export class FaultApp {
  readonly samples: Progress[] = [];
  private stderr = "";
  private readonly exit: Promise<number | null>;
  private report: AppReport | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    child.on("message", (m: { type: string } & Partial<Progress> & Partial<AppReport>) => {
      if (m.type === "progress") this.samples.push(m as Progress);
      if (m.type === "report") this.report = m as unknown as AppReport;
    });
    this.exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  static async start(cluster: PostgresCluster, config: AppConfig): Promise<FaultApp> {
    const child = fork(fileURLToPath(new URL("./stream-app.mjs", import.meta.url)), [], {
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      env: {
        ...process.env,
        ASSAY_FAULT_APP: JSON.stringify({
          ...config,
          url: cluster.url("postgres"),
          applicationName: APP_NAME,
        }),
      },
    });
    const app = new FaultApp(child);
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      app.exit.then((code) => reject(new Error(`the app exited at start (${code}): ${app.stderr}`)));
    });
    return app;
  }

  /** Whether the child is still running (no crash). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get acked(): number {
    return this.samples.at(-1)?.acked ?? 0;
  }

  /** Resolves at the first progress sample with more than `n` acknowledged events; its time. */
  async ackedMoreThan(n: number, timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.samples.find((s) => s.acked > n);
      if (hit !== undefined) return hit.t;
      if (!this.alive) throw new Error(`the app died: ${this.stderr}`);
      if (Date.now() > until) throw new Error(`no more than ${n} events acknowledged within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Most RSS sampled between two times, in MB. */
  maxRssMb(from: number, to: number): number {
    const inWindow = this.samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss);
    return Math.max(...inWindow) / 2 ** 20;
  }

  /** Stops the stream, waits for the report and a clean exit (code 0); fails if the app crashed. */
  async stop(): Promise<AppReport> {
    if (!this.alive) throw new Error(`the app died during the fault: ${this.stderr}`);
    this.child.send({ cmd: "stop" });
    const code = await this.exit;
    if (code !== 0 || this.report === undefined)
      throw new Error(`the app exited with ${code}: ${this.stderr}`);
    return this.report;
  }

  kill(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }
}

export interface Ledger {
  /** Acknowledged event ids not stored. */
  readonly lost: number;
  readonly stored: number;
  readonly storedExposures: number;
  /** Exposures the summary counts. */
  readonly summaryExposures: number;
  /** Outcomes the summary sums (count 1 each) and the stored outcomes of stored exposed users. */
  readonly summaryOutcomes: number;
  readonly expectedOutcomes: number;
}

/** What the database holds against what the app was told was stored. */
export async function ledger(cluster: PostgresCluster, schema: string, report: AppReport): Promise<Ledger> {
  const client = new pg.Client({ connectionString: cluster.url("postgres") });
  await client.connect();
  try {
    const ids = await client.query<{ event_id: string }>(`SELECT event_id FROM ${schema}.events`);
    const stored = new Set(ids.rows.map((r) => r.event_id));
    const lost = report.acked.filter((i) => !stored.has(`f-${i}`)).length;
    const counts = await client.query<{ exposures: string; outcomes: string }>(
      `WITH firsts AS (SELECT user_id, min(ts) AS ts FROM ${schema}.events WHERE type = 0 GROUP BY user_id)
       SELECT (SELECT count(*) FROM ${schema}.events WHERE type = 0) AS exposures,
              (SELECT count(*) FROM ${schema}.events e JOIN firsts f ON f.user_id = e.user_id
                WHERE e.type = 1 AND e.ts >= f.ts) AS outcomes`,
    );
    const store = new PostgresEventStore({ connectionString: cluster.url("postgres"), schema });
    const summary = await store.summarize({ experiment: "faults" });
    await store.close();
    return {
      lost,
      stored: stored.size,
      storedExposures: Number(counts.rows[0]!.exposures),
      summaryExposures: summary.variants.reduce((n, v) => n + v.exposures, 0),
      summaryOutcomes: summary.metrics[0]?.variants.reduce((n, v) => n + v.sum, 0) ?? 0,
      expectedOutcomes: Number(counts.rows[0]!.outcomes),
    };
  } finally {
    await client.end();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
