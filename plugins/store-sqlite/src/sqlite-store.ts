import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AppendResult,
  BackendError,
  type EventStore,
  type ExperimentSummary,
  type StickyAssignment,
  type StickyAssignmentStore,
  type StickyQuery,
  type StoredEvent,
  type SummaryQuery,
  type SummaryRows,
  summaryFromRows,
} from "@assay/core";
import Database from "better-sqlite3";
import {
  dailyMetricsSql,
  ROLLUP_TABLES,
  Rollup,
  RUNNING_TOTALS,
  type UnitMode,
  VARIANT_METRIC_DAYS,
} from "./rollups.js";

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
  /**
   * Fold new events into the per-unit rollups in the background once this many are waiting (in steps of
   * this size, between appends), so a summary finds them nearly current. A step holds the event loop for
   * about 4 µs per event (40 ms at the default 10,000). 0 folds only when summarizing.
   */
  readonly rollupStep?: number;
}

/** The schema version this code writes; `PRAGMA user_version` holds the version of a database file. */
export const SQLITE_SCHEMA_VERSION = 4;

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
    ${ROLLUP_TABLES}
  `,
  // Sticky assignments: a unit's first enrolled variant per experiment version (first writer wins).
  2: `
    CREATE TABLE sticky_assignments (
      experiment  TEXT NOT NULL,
      version     INTEGER NOT NULL,
      unit        TEXT NOT NULL,
      variant_id  TEXT NOT NULL,
      assigned_at INTEGER NOT NULL,   -- Unix milliseconds, when this store accepted it
      PRIMARY KEY (experiment, version, unit)
    ) WITHOUT ROWID;
    CREATE INDEX sticky_assignments_by_time ON sticky_assignments (experiment, version, assigned_at);
  `,
  // Per-variant running totals kept by the fold (see rollups.ts), filled from the per-unit rollups.
  3: RUNNING_TOTALS,
  // The daily series kept by the fold as per-variant deltas (see rollups.ts), filled from the per-unit rollups.
  4: VARIANT_METRIC_DAYS,
};

const ROWS_PER_INSERT = 100;
const COLUMNS = 10;

/**
 * The embedded event store: one SQLite file in WAL mode (readers never block the writer), idempotent on
 * eventId (`ON CONFLICT DO NOTHING`), every batch one transaction. Summaries are computed by SQLite from
 * per-unit rollups (see rollups.ts) kept current incrementally, so their cost grows with units, not events;
 * only rows grouped by variant, metric and day reach JavaScript.
 */
export class SqliteEventStore implements EventStore, StickyAssignmentStore {
  readonly name = "sqlite";
  readonly path: string;
  private db: Database.Database | undefined;
  private insertMany: Database.Statement | undefined;
  private insertOne: Database.Statement | undefined;
  private closed = false;
  private readonly rollups = new Map<UnitMode, Rollup>();
  /** Modes kept current in the background: the user mode, and the session mode once it was asked for. */
  private readonly activeModes = new Set<UnitMode>(["u"]);
  private refreshScheduled = false;

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
      if (inserted > 0) this.scheduleRefresh();
      return { inserted, duplicates: batch.length - inserted };
    } catch (cause) {
      throw new BackendError(`could not append to ${this.path}: ${(cause as Error).message}`, { cause });
    }
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    const db = this.open();
    let rows: SummaryRows;
    const mode: UnitMode = query.unit === "session" ? "s" : "u";
    this.activeModes.add(mode);
    try {
      const rollup = this.rollup(db, mode);
      while (rollup.refresh(200_000) > 0) {}
      rows = db.transaction(() => this.summaryRows(db, query, mode))();
    } catch (cause) {
      throw new BackendError(`could not summarize from ${this.path}: ${(cause as Error).message}`, { cause });
    }
    return summaryFromRows(query.experiment, rows, query.daily === true ? { daily: true } : {});
  }

  async flush(): Promise<void> {}

  /** Folds every event not yet in the rollups into them (summaries do it themselves; for benchmarks). */
  refreshRollups(): number {
    const db = this.open();
    let folded = 0;
    for (const mode of this.activeModes) {
      const rollup = this.rollup(db, mode);
      for (let n = rollup.refresh(200_000); n > 0; n = rollup.refresh(200_000)) folded += n;
    }
    return folded;
  }

  private rollup(db: Database.Database, mode: UnitMode): Rollup {
    let rollup = this.rollups.get(mode);
    if (rollup === undefined) {
      rollup = new Rollup(db, mode);
      this.rollups.set(mode, rollup);
    }
    return rollup;
  }

  private scheduleRefresh(): void {
    const step = this.options.rollupStep ?? 10_000;
    if (step <= 0 || this.refreshScheduled) return;
    this.refreshScheduled = true;
    setImmediate(() => {
      this.refreshScheduled = false;
      const db = this.db;
      if (db === undefined) return;
      try {
        for (const mode of this.activeModes) {
          const rollup = this.rollup(db, mode);
          if (rollup.backlog() >= step) {
            rollup.refresh(step);
            this.scheduleRefresh(); // more may be waiting: one step per turn of the event loop
          }
        }
      } catch {
        // Busy or closing: the next append or summary tries again.
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
  }

  /** Stored first assignments of the given experiment versions (accepted at or after `since`). */
  async loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]> {
    const db = this.open();
    try {
      const since = query.since?.getTime() ?? Number.MIN_SAFE_INTEGER;
      const select = db.prepare(
        "SELECT unit, variant_id, assigned_at FROM sticky_assignments WHERE experiment = ? AND version = ? AND assigned_at >= ?",
      );
      const out: StickyAssignment[] = [];
      for (const { experiment, version } of query.experiments) {
        for (const row of select.iterate(experiment, version, since) as Iterable<{
          unit: string;
          variant_id: string;
          assigned_at: number;
        }>) {
          out.push({
            experiment,
            version,
            unit: row.unit,
            variantId: row.variant_id,
            assignedAt: new Date(row.assigned_at),
          });
        }
      }
      return out;
    } catch (cause) {
      throw new BackendError(
        `could not load sticky assignments from ${this.path}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }

  /** Stores first assignments in one transaction; a unit already stored for that version keeps its row. */
  async saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void> {
    if (rows.length === 0) return;
    const db = this.open();
    try {
      const insert = db.prepare(
        "INSERT INTO sticky_assignments (experiment, version, unit, variant_id, assigned_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      );
      const now = Date.now();
      db.transaction(() => {
        for (const r of rows) insert.run(r.experiment, r.version, r.unit, r.variantId, now);
      })();
    } catch (cause) {
      throw new BackendError(
        `could not save sticky assignments to ${this.path}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
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
      db.pragma("temp_store = MEMORY");
      db.pragma("cache_size = -65536"); // 64 MiB: keeps the event-id index in memory for fast appends
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

  private summaryRows(db: Database.Database, query: SummaryQuery, mode: UnitMode): SummaryRows {
    const metricFilter =
      query.metrics === undefined ? "" : "AND metric IN (SELECT value FROM json_each(@metrics))";
    const params = {
      experiment: query.experiment,
      mode,
      ...(query.metrics === undefined ? {} : { metrics: JSON.stringify(query.metrics) }),
    };
    const exposures = db
      .prepare(
        `SELECT variant_id AS variantId, day, 0 AS firstUnits, exposures FROM variant_days
         WHERE experiment = @experiment AND mode = @mode
         UNION ALL
         SELECT variant_id, day, units, 0 FROM variant_first_days
         WHERE experiment = @experiment AND mode = @mode AND units <> 0`,
      )
      .all(params) as SummaryRows["exposures"];
    const kinds = db
      .prepare(
        `SELECT metric, kind, outcomes FROM metric_kinds
         WHERE experiment = @experiment AND mode = @mode ${metricFilter}`,
      )
      .all(params) as SummaryRows["kinds"];
    const metricSql =
      query.daily === true
        ? // the series' per-day deltas, kept by the fold
          dailyMetricsSql(query.metrics !== undefined)
        : // the running totals: one row per variant and metric
          `SELECT metric, variant_id AS variantId, 0 AS day, sum, sum_squares AS sumSquares, counted
           FROM variant_metrics WHERE experiment = @experiment AND mode = @mode ${metricFilter}`;
    const metrics = db.prepare(metricSql).all(params) as SummaryRows["metrics"];
    const several = (db
      .prepare("SELECT several FROM unit_counters WHERE experiment = @experiment AND mode = @mode")
      .pluck()
      .get(params) ?? 0) as number;
    return { exposures, kinds, metrics, unitsInSeveralVariants: several };
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
