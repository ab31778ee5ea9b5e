import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AppendResult,
  BackendError,
  type EventStore,
  type ExperimentSummary,
  type StoredEvent,
  type SummaryQuery,
  type SummaryRows,
  summaryFromRows,
} from "@assay/core";
import Database from "better-sqlite3";

export interface SqliteEventStoreOptions {
  /** File of the database (created with its directory), or ":memory:". */
  readonly path: string;
  /**
   * "full" (default): every committed batch is fsynced before `append` resolves, so it survives a power cut.
   * "normal": survives a crash of the process (kill -9), may lose the last batches on power loss; faster.
   */
  readonly synchronous?: "full" | "normal";
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/** The schema version this code writes; `PRAGMA user_version` holds the version of a database file. */
export const SQLITE_SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE events (
      event_id   TEXT NOT NULL UNIQUE,
      experiment TEXT NOT NULL,
      type       INTEGER NOT NULL,      -- 0 exposure, 1 outcome
      variant_id TEXT,                  -- exposures
      metric     TEXT,                  -- outcomes
      kind       TEXT,                  -- outcomes: bool | numeric | count
      value      REAL,                  -- outcomes: bool as 0/1
      user_id    TEXT,
      session_id TEXT,
      ts         INTEGER NOT NULL       -- Unix milliseconds
    );
    CREATE INDEX events_by_experiment ON events (experiment, type);
  `,
};

const ROWS_PER_INSERT = 100;
const COLUMNS = 10;
const DAY_MS = 86_400_000;

/**
 * The embedded event store: one SQLite file in WAL mode (readers never block the writer), idempotent on
 * eventId (`ON CONFLICT DO NOTHING`), every batch one transaction. Summaries are computed by SQLite: only
 * rows grouped by variant, metric and day reach JavaScript.
 */
export class SqliteEventStore implements EventStore {
  readonly name = "sqlite";
  readonly path: string;
  private db: Database.Database | undefined;
  private insertMany: Database.Statement | undefined;
  private insertOne: Database.Statement | undefined;
  private closed = false;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.path = options.path;
  }

  async init(): Promise<void> {
    this.open();
  }

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    const db = this.open();
    try {
      const inserted = this.writeBatch(db, batch);
      return { inserted, duplicates: batch.length - inserted };
    } catch (cause) {
      throw new BackendError(`could not append to ${this.path}: ${(cause as Error).message}`, { cause });
    }
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    const db = this.open();
    let rows: SummaryRows;
    try {
      rows = db.transaction(() => this.summaryRows(db, query))();
    } catch (cause) {
      throw new BackendError(`could not summarize from ${this.path}: ${(cause as Error).message}`, { cause });
    }
    return summaryFromRows(query.experiment, rows, query.daily === true ? { daily: true } : {});
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
  }

  /** Events stored, all experiments (a cheap check for tests and benchmarks). */
  count(experiment?: string): number {
    const db = this.open();
    const row = (
      experiment === undefined
        ? db.prepare("SELECT COUNT(*) AS n FROM events").get()
        : db.prepare("SELECT COUNT(*) AS n FROM events WHERE experiment = ?").get(experiment)
    ) as { n: number };
    return row.n;
  }

  private open(): Database.Database {
    if (this.db !== undefined) return this.db;
    if (this.closed) throw new BackendError(`the SQLite store ${this.path} is closed`);
    try {
      if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path, { timeout: this.options.busyTimeoutMs ?? 5000 });
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${this.options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      migrate(db, this.path);
      this.insertOne = db.prepare(insertSql(1));
      this.insertMany = db.prepare(insertSql(ROWS_PER_INSERT));
      this.db = db;
      return db;
    } catch (cause) {
      if (cause instanceof BackendError) throw cause;
      throw new BackendError(`could not open the SQLite store ${this.path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  private writeBatch(db: Database.Database, batch: readonly StoredEvent[]): number {
    const many = this.insertMany!;
    const one = this.insertOne!;
    const params: unknown[] = new Array(ROWS_PER_INSERT * COLUMNS);
    return db
      .transaction(() => {
        let inserted = 0;
        let i = 0;
        for (; i + ROWS_PER_INSERT <= batch.length; i += ROWS_PER_INSERT) {
          for (let j = 0; j < ROWS_PER_INSERT; j++) fill(params, j * COLUMNS, batch[i + j]!);
          inserted += many.run(params).changes;
        }
        const row: unknown[] = new Array(COLUMNS);
        for (; i < batch.length; i++) {
          fill(row, 0, batch[i]!);
          inserted += one.run(row).changes;
        }
        return inserted;
      })
      .immediate();
  }

  private summaryRows(db: Database.Database, query: SummaryQuery): SummaryRows {
    const unit =
      query.unit === "session" ? "'s:' || session_id" : "COALESCE('u:' || user_id, 's:' || session_id)";
    const metricFilter =
      query.metrics === undefined ? "" : "AND metric IN (SELECT value FROM json_each(@metrics))";
    const params = {
      experiment: query.experiment,
      ...(query.metrics === undefined ? {} : { metrics: JSON.stringify(query.metrics) }),
    };
    const firsts = `
      x AS (
        SELECT ${unit} AS unit, variant_id, ts, event_id FROM events
        WHERE experiment = @experiment AND type = 0 AND ${unit} IS NOT NULL
      ),
      f AS (
        SELECT unit, variant_id, ts FROM (
          SELECT unit, variant_id, ts, ROW_NUMBER() OVER (PARTITION BY unit ORDER BY ts, event_id) AS rn FROM x
        ) WHERE rn = 1
      )`;
    const exposures = db
      .prepare(
        `WITH ${firsts}
         SELECT variant_id AS variantId, ts / ${DAY_MS} AS day, 0 AS firstUnits, COUNT(*) AS exposures
           FROM x GROUP BY 1, 2
         UNION ALL
         SELECT variant_id, ts / ${DAY_MS}, COUNT(*), 0 FROM f GROUP BY 1, 2`,
      )
      .all(params) as SummaryRows["exposures"];
    const kinds = db
      .prepare(
        `SELECT metric, kind, COUNT(*) AS outcomes FROM events
         WHERE experiment = @experiment AND type = 1 ${metricFilter} GROUP BY 1, 2`,
      )
      .all(params) as SummaryRows["kinds"];
    const metrics = db
      .prepare(
        `WITH ${firsts},
         o AS (
           SELECT ${unit} AS unit, metric, kind, value, ts FROM events
           WHERE experiment = @experiment AND type = 1 ${metricFilter}
         ),
         d AS (
           SELECT o.metric, f.unit, f.variant_id, o.ts / ${DAY_MS} AS day, MIN(o.kind) AS kind,
                  CASE WHEN MIN(o.kind) = 'bool' THEN MAX(o.value) ELSE SUM(o.value) END AS v, COUNT(*) AS c
           FROM o JOIN f ON f.unit = o.unit AND o.ts >= f.ts
           GROUP BY o.metric, f.unit, day
         ),
         cum AS (
           SELECT metric, unit, variant_id, day, c,
                  CASE WHEN kind = 'bool' THEN MAX(v) OVER w ELSE SUM(v) OVER w END AS cv
           FROM d WINDOW w AS (PARTITION BY metric, unit ORDER BY day)
         ),
         delta AS (
           SELECT metric, variant_id, day, c, cv,
                  COALESCE(LAG(cv) OVER (PARTITION BY metric, unit ORDER BY day), 0) AS pv
           FROM cum
         )
         SELECT metric, variant_id AS variantId, day, SUM(cv - pv) AS sum, SUM(cv * cv - pv * pv) AS sumSquares,
                SUM(c) AS counted
         FROM delta GROUP BY 1, 2, 3`,
      )
      .all(params) as SummaryRows["metrics"];
    const several = db
      .prepare(
        `SELECT COUNT(*) AS n FROM (
           SELECT ${unit} AS unit FROM events
           WHERE experiment = @experiment AND type = 0 AND ${unit} IS NOT NULL
           GROUP BY 1 HAVING COUNT(DISTINCT variant_id) > 1
         )`,
      )
      .get(params) as { n: number };
    return { exposures, kinds, metrics, unitsInSeveralVariants: several.n };
  }
}

function insertSql(rows: number): string {
  const tuple = `(${new Array(COLUMNS).fill("?").join(",")})`;
  return `INSERT INTO events (event_id, experiment, type, variant_id, metric, kind, value, user_id, session_id, ts)
    VALUES ${new Array(rows).fill(tuple).join(",")} ON CONFLICT (event_id) DO NOTHING`;
}

function fill(params: unknown[], at: number, e: StoredEvent): void {
  params[at] = e.eventId;
  params[at + 1] = e.experiment;
  if (e.type === "exposure") {
    params[at + 2] = 0;
    params[at + 3] = e.variantId;
    params[at + 4] = null;
    params[at + 5] = null;
    params[at + 6] = null;
  } else {
    params[at + 2] = 1;
    params[at + 3] = null;
    params[at + 4] = e.metric;
    params[at + 5] = e.value.kind;
    params[at + 6] = e.value.kind === "bool" ? (e.value.value ? 1 : 0) : e.value.value;
  }
  params[at + 7] = e.userId ?? null;
  params[at + 8] = e.sessionId ?? null;
  params[at + 9] = e.timestamp.getTime();
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new BackendError(
      `${path} has schema version ${current}, newer than this @assay/store-sqlite (${SQLITE_SCHEMA_VERSION}); upgrade the package`,
    );
  }
  if (current === SQLITE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    let version = db.pragma("user_version", { simple: true }) as number;
    while (version < SQLITE_SCHEMA_VERSION) {
      version++;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version}`);
    }
  }).immediate();
}
