import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  BackendError,
  type CentredMetricRow,
  cupedPairKey,
  DEFAULT_ENVIRONMENT,
  type EventScanPage,
  type EventScanQuery,
  preKey,
  ratioPairKey,
  requireBreakdownDimension,
  resolveScope,
  type StickyAssignment,
  type StickyQuery,
  type SummaryQuery,
  type SummaryRows,
  type SummaryScope,
  scopeKey,
  summaryScope,
  windowKey,
} from "@assay/core";
import Database from "better-sqlite3";
import { cappedFromIndex, ensureCapped, missingCapped } from "./capped-values.js";
import { CODE_EXPOSURE, type EventColumns, NONE, NUMBERS_PER_EVENT, STRINGS_PER_EVENT } from "./columns.js";
import { type DerivedRequests, ensureDerived, missingDerived } from "./derived.js";
import { EventKeys } from "./event-keys.js";
import { scanEventRows } from "./event-scan.js";
import { dailyMetricsSql, Rollup, totalMetricsSql, type UnitMode } from "./rollups.js";
import { migrate } from "./schema.js";
import { ensureSlices, hasSlices, readSliceRows } from "./slices.js";

/** What the engine needs to open its database (the store's options that reach the writer thread). */
export interface EngineOptions {
  readonly path: string;
  readonly synchronous?: "full" | "normal";
  readonly busyTimeoutMs?: number;
}

const ROWS_PER_INSERT = 100;
const COLUMNS = 7;
/**
 * Events folded per transaction when a summary or `refreshAll` brings the rollups up to date. A step's cost
 * grows with the units it touches more than with its events, so large steps are far cheaper per event
 * (measured on 1M events over 100k units: 16.7 µs per event in steps of 200,000, 5.3 µs in one step).
 */
const CATCH_UP_STEP = 1_000_000;

/**
 * Everything the SQLite store does to its database, synchronously, on one connection: the writer. It runs on
 * the store's writer thread (see writer-thread.ts), or on the caller's thread for ":memory:" databases, and
 * is the only code that writes the file from this process.
 */
export class SqliteEngine {
  private db: Database.Database | undefined;
  private insertMany: Database.Statement | undefined;
  private insertOne: Database.Statement | undefined;
  private keys: EventKeys | undefined;
  private closed = false;
  private readonly rollups = new Map<UnitMode, Rollup>();
  /** Modes kept current in the background: the user mode, and the session mode once it was asked for. */
  private readonly activeModes = new Set<UnitMode>(["u"]);

  constructor(private readonly options: EngineOptions) {}

  open(): Database.Database {
    if (this.db !== undefined) return this.db;
    const path = this.options.path;
    if (this.closed) throw new BackendError(`the SQLite store ${path} is closed`);
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { timeout: this.options.busyTimeoutMs ?? 5000 });
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${this.options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      db.pragma("temp_store = MEMORY");
      db.pragma("cache_size = -65536"); // 64 MiB: keeps the event-id index in memory for fast appends
      migrate(db, path);
      this.insertOne = db.prepare(insertSql(1));
      this.insertMany = db.prepare(insertSql(ROWS_PER_INSERT));
      this.keys = new EventKeys(db);
      this.db = db;
      return db;
    } catch (cause) {
      if (cause instanceof BackendError) throw cause;
      throw new BackendError(`could not open the SQLite store ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** Opens the database (creating or migrating it): a broken path or a newer schema fails here. */
  openDatabase(): void {
    this.open();
  }

  /** Inserts the batch in one transaction (fsynced with synchronous=FULL); returns how many ids were new. */
  append(columns: EventColumns): number {
    return this.appendAll([columns])[0]!;
  }

  /**
   * Inserts several batches in one transaction, so they share one commit and one fsync (the writer thread's
   * group commit, see writer-thread.ts); returns how many ids were new in each batch. All or nothing.
   */
  appendAll(batches: readonly EventColumns[]): number[] {
    const db = this.open();
    const keys = this.keys!;
    try {
      const counts = db
        .transaction(() => batches.map((columns) => this.writeColumns(columns, keys.resolve(columns.keys))))
        .immediate();
      keys.committed();
      return counts;
    } catch (cause) {
      keys.rolledBack();
      throw new BackendError(`could not append to ${this.options.path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** Events not folded yet into the rollups of the active mode furthest behind. */
  backlog(): number {
    const db = this.open();
    let most = 0;
    for (const mode of this.activeModes) most = Math.max(most, this.rollup(db, mode).backlog());
    return most;
  }

  /** One step of background folding: folds up to `step` waiting events into each active mode's rollups. */
  foldStep(step: number): void {
    const db = this.open();
    for (const mode of this.activeModes) this.rollup(db, mode).refresh(step);
  }

  /** Folds every event not yet in the rollups of the active modes; returns how many it folded. */
  refreshAll(): number {
    const db = this.open();
    let folded = 0;
    for (const mode of this.activeModes) {
      const rollup = this.rollup(db, mode);
      for (let n = rollup.refresh(CATCH_UP_STEP); n > 0; n = rollup.refresh(CATCH_UP_STEP)) folded += n;
    }
    return folded;
  }

  /** Brings the query's unit mode up to date, then reads the summary's rows in one read transaction. */
  summaryRows(query: SummaryQuery): SummaryRows {
    const db = this.open();
    const mode: UnitMode = query.unit === "session" ? "s" : "u";
    this.activeModes.add(mode);
    try {
      const rollup = this.rollup(db, mode);
      while (rollup.refresh(CATCH_UP_STEP) > 0) {}
      const requests = derivedRequests(query);
      const experiment = scopeKey(query.experiment, ...scopeOf(readScope(db, query)));
      const capped = query.capped ?? [];
      const { breakdown } = query;
      if (breakdown !== undefined) requireBreakdownDimension(breakdown);
      if (
        missingDerived(db, mode, experiment, requests) ||
        missingCapped(db, mode, experiment, capped) ||
        (breakdown !== undefined && !hasSlices(db, mode, experiment, breakdown))
      ) {
        // Registered and built under the write lock with every event folded, so the fold after it
        // continues exactly where the build stopped (see derived.ts).
        db.transaction(() => {
          while (rollup.refresh(CATCH_UP_STEP) > 0) {}
          ensureDerived(db, mode, experiment, requests);
          ensureCapped(db, mode, experiment, capped);
          if (breakdown !== undefined) ensureSlices(db, mode, experiment, breakdown);
        }).immediate();
      }
      return db.transaction(() => readSummaryRows(db, query, mode))();
    } catch (cause) {
      throw new BackendError(`could not summarize from ${this.options.path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  loadSticky(query: StickyQuery): StickyAssignment[] {
    const db = this.open();
    try {
      const since = query.since?.getTime() ?? Number.MIN_SAFE_INTEGER;
      const select = db.prepare(
        "SELECT unit, variant_id, assigned_at FROM sticky_assignments WHERE experiment = ? AND environment = ? AND version = ? AND assigned_at >= ?",
      );
      const environment = query.environment ?? DEFAULT_ENVIRONMENT;
      const out: StickyAssignment[] = [];
      for (const { experiment, version } of query.experiments) {
        for (const row of select.iterate(experiment, environment, version, since) as Iterable<{
          unit: string;
          variant_id: string;
          assigned_at: number;
        }>) {
          out.push({
            experiment,
            version,
            environment,
            unit: row.unit,
            variantId: row.variant_id,
            assignedAt: new Date(row.assigned_at),
          });
        }
      }
      return out;
    } catch (cause) {
      throw new BackendError(
        `could not load sticky assignments from ${this.options.path}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  saveSticky(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): void {
    if (rows.length === 0) return;
    const db = this.open();
    try {
      const insert = db.prepare(
        "INSERT INTO sticky_assignments (experiment, environment, version, unit, variant_id, assigned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      );
      const now = Date.now();
      db.transaction(() => {
        for (const r of rows)
          insert.run(r.experiment, r.environment ?? DEFAULT_ENVIRONMENT, r.version, r.unit, r.variantId, now);
      })();
    } catch (cause) {
      throw new BackendError(
        `could not save sticky assignments to ${this.options.path}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** Events stored, of one experiment or all. */
  count(experiment?: string): number {
    const db = this.open();
    const row = (
      experiment === undefined
        ? db.prepare("SELECT COUNT(*) AS n FROM events").get()
        : db
            .prepare(
              "SELECT COUNT(*) AS n FROM events WHERE key IN (SELECT key FROM event_keys WHERE experiment = ?)",
            )
            .get(experiment)
    ) as { n: number };
    return row.n;
  }

  /** One page of an experiment's events in commit order (see event-scan.ts). */
  scan(query: EventScanQuery): EventScanPage {
    return scanEventRows(this.open(), query);
  }

  close(): void {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
  }

  private rollup(db: Database.Database, mode: UnitMode): Rollup {
    let rollup = this.rollups.get(mode);
    if (rollup === undefined) {
      rollup = new Rollup(db, mode);
      this.rollups.set(mode, rollup);
    }
    return rollup;
  }

  /**
   * Inserts one batch inside the caller's transaction, with `keys[i]` the event_keys row of the batch's key i;
   * returns how many ids were new.
   */
  private writeColumns(columns: EventColumns, keys: readonly number[]): number {
    const many = this.insertMany!;
    const one = this.insertOne!;
    const params: unknown[] = new Array(ROWS_PER_INSERT * COLUMNS);
    const row: unknown[] = new Array(COLUMNS);
    const reader = new ColumnReader(columns, keys);
    let inserted = 0;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= columns.count; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) reader.fill(params, j * COLUMNS, i + j);
      inserted += many.run(params).changes;
    }
    for (; i < columns.count; i++) {
      reader.fill(row, 0, i);
      inserted += one.run(row).changes;
    }
    return inserted;
  }
}

/** Reads the events of an EventColumns batch in order, as rows of the events table. */
class ColumnReader {
  private position = 0;
  /** Per batch key: whether it is an exposure's (whose value column stays NULL). */
  private readonly exposure: boolean[];

  constructor(
    private readonly columns: EventColumns,
    private readonly keys: readonly number[],
  ) {
    this.exposure = columns.keys.map((k) => k.code === CODE_EXPOSURE);
  }

  /** Writes event `i` (called with i = 0, 1, 2, ... in order) at `params[at..at+6]`. */
  fill(params: unknown[], at: number, i: number): void {
    const { numbers } = this.columns;
    const s = i * STRINGS_PER_EVENT;
    const n = i * NUMBERS_PER_EVENT;
    const key = numbers[n]!;
    params[at] = this.next(s);
    params[at + 1] = this.keys[key];
    params[at + 2] = this.exposure[key] ? null : numbers[n + 1];
    params[at + 3] = this.next(s + 1);
    params[at + 4] = this.next(s + 2);
    params[at + 5] = numbers[n + 2];
    params[at + 6] = this.next(s + 3);
  }

  private next(at: number): string | null {
    const length = this.columns.lengths[at]!;
    if (length === NONE) return null;
    const start = this.position;
    this.position += length;
    return this.columns.text.slice(start, this.position);
  }
}

function insertSql(rows: number): string {
  return `INSERT INTO events (event_id, key, value, user_id, session_id, ts, dimensions)
    VALUES ${new Array(rows).fill("(?,?,?,?,?,?,?)").join(",")} ON CONFLICT (event_id) DO NOTHING`;
}

/**
 * The scope a query reads (see SCOPED_KEYS in rollups.ts): its environment and phase, the phase defaulting to
 * the highest with exposures there, from the key rows (a few per experiment, whatever the events).
 */
function readScope(db: Database.Database, query: SummaryQuery): SummaryScope {
  const environment = query.environment ?? DEFAULT_ENVIRONMENT;
  const phases = db
    .prepare(
      `SELECT DISTINCT phase FROM event_keys WHERE experiment = ? AND environment = ? AND code = ${CODE_EXPOSURE}`,
    )
    .pluck()
    .all(query.experiment, environment) as number[];
  const { phase } = resolveScope(query, phases);
  const versions = db
    .prepare(
      `SELECT DISTINCT manifest_version FROM event_keys WHERE experiment = ? AND environment = ? AND phase = ?
       AND code = ${CODE_EXPOSURE} AND manifest_version <> ''`,
    )
    .pluck()
    .all(query.experiment, environment, phase) as string[];
  return summaryScope(environment, phase, phases, versions);
}

function readSummaryRows(db: Database.Database, query: SummaryQuery, mode: UnitMode): SummaryRows {
  const metricFilter =
    query.metrics === undefined ? "" : "AND metric IN (SELECT value FROM json_each(@metrics))";
  const scope = readScope(db, query);
  // the rollups' experiment column holds the analysis scope
  const experiment = scopeKey(query.experiment, scope.environment, scope.phase);
  const params = {
    experiment,
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
        totalMetricsSql(query.metrics !== undefined);
  const metrics = db.prepare(metricSql).all(params) as SummaryRows["metrics"];
  const several = (db
    .prepare("SELECT several FROM unit_counters WHERE experiment = @experiment AND mode = @mode")
    .pluck()
    .get(params) ?? 0) as number;
  // Ratio cross-products, kept by the fold (derived.ts): rows per variant.
  const products = db.prepare(
    `SELECT variant_id AS variantId, sum + sum_lo AS sumProducts FROM variant_products
     WHERE experiment = @experiment AND mode = @mode AND pair = @pair`,
  );
  const ratios = (query.ratios ?? []).flatMap((pair) =>
    (
      products.all({ experiment, mode, pair: ratioPairKey(pair) }) as Array<{
        variantId: string;
        sumProducts: number;
      }>
    ).map((row) => ({ ...pair, ...row })),
  );
  // Capped metrics' per-unit values, for the pooled cap and the capped sums (summaryFromRows): O(units).
  const values = db.prepare(
    `SELECT u.variant_id AS variantId, x.v AS value FROM (${unitValues("@metric")}) x
     JOIN units u ON u.experiment = @experiment AND u.mode = @mode AND u.unit = x.unit`,
  );
  // From the fold's index of unit values where the cap is above 0 (capped-values.ts): no pass over units.
  const pooled = (db
    .prepare(
      "SELECT coalesce(sum(units), 0) FROM variant_first_days WHERE experiment = @experiment AND mode = @mode",
    )
    .pluck()
    .get({ experiment, mode }) ?? 0) as number;
  const cappedTotals = (query.capped ?? []).flatMap((request, i) => {
    const totals = cappedFromIndex(db, mode, experiment, request, i, pooled);
    return totals === undefined ? [] : [totals];
  });
  const answered = new Set(cappedTotals.map((c) => c.request));
  // The capped metrics the index did not answer, and every quantile's metric (quantileSummary sorts the
  // per-unit values at summary time: O(units)), each metric read once.
  const valueMetrics = new Set([
    ...(query.capped ?? []).filter((_, i) => !answered.has(i)).map((c) => c.metric),
    ...(query.quantiles ?? []).map((q) => q.metric),
  ]);
  const unitValueRows = [...valueMetrics].flatMap((metric) =>
    (
      values.all({ experiment, mode, metric }) as Array<{
        variantId: string;
        value: number;
      }>
    ).map((row) => ({ metric, ...row })),
  );
  // Windowed metrics and CUPED covariates, kept by the fold as derived metrics (derived.ts): rows per variant.
  const derivedTotals = db.prepare(
    `SELECT variant_id AS variantId, 0 AS day, ref AS reference, units AS valuedUnits, dsum AS centredSum,
            dsum_lo AS centredSumLow, dsq AS centredSquares, dsq_lo AS centredSquaresLow, counted, @metric AS metric
     FROM derived_totals WHERE experiment = @experiment AND mode = @mode AND metric = @key`,
  );
  const totalsOf = (key: string, metric: string, request: number) =>
    (derivedTotals.all({ experiment, mode, key, metric }) as CentredMetricRow[]).map((row) => ({
      request,
      ...row,
    }));
  const windowTotals = (query.windowed ?? []).flatMap((w, request) =>
    totalsOf(windowKey(w), w.metric, request),
  );
  const cupedTotals = (query.cuped ?? []).flatMap((c, request) => totalsOf(preKey(c), c.metric, request));
  const cupedProducts = (query.cuped ?? []).flatMap((c, request) =>
    (
      products.all({ experiment, mode, pair: cupedPairKey(c) }) as Array<{
        variantId: string;
        sumProducts: number;
      }>
    ).map((row) => ({ request, ...row })),
  );
  return {
    scope,
    exposures,
    kinds,
    metrics,
    unitsInSeveralVariants: several,
    ratios,
    unitValues: unitValueRows,
    cappedTotals,
    windowTotals,
    cupedTotals,
    cupedProducts,
    ...(query.breakdown === undefined
      ? {}
      : { breakdown: readSliceRows(db, mode, experiment, query.breakdown, params.metrics) }),
  };
}

/** Per unit, its value of one metric (parameter `metric`): bool the max over its days, else the sum. */
function unitValues(metric: string): string {
  return `SELECT unit, CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v
    FROM unit_metric_days WHERE experiment = @experiment AND mode = @mode AND metric = ${metric} GROUP BY unit`;
}

/** What a summary asks the fold to keep (derived.ts). */
function derivedRequests(query: SummaryQuery): DerivedRequests {
  return { windowed: query.windowed ?? [], cuped: query.cuped ?? [], ratios: query.ratios ?? [] };
}

function scopeOf(scope: SummaryScope): [string, number] {
  return [scope.environment, scope.phase];
}
