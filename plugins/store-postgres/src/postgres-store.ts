import {
  type AppendResult,
  BackendError,
  cupedPairKey,
  DEFAULT_ENVIRONMENT,
  type EventPack,
  type EventScanPage,
  type EventScanQuery,
  type EventStore,
  ExperimentError,
  type ExperimentSummary,
  preKey,
  ratioPairKey,
  requireBreakdownDimension,
  resolveScope,
  type StickyAssignment,
  type StickyAssignmentStore,
  type StickyQuery,
  type StoredEvent,
  type SummaryQuery,
  type SummaryRows,
  type SummaryScope,
  scopeKey,
  summaryFromRows,
  summaryScope,
  windowKey,
} from "@assay/core";
import pg from "pg";
import {
  buildDerived,
  cappedFromIndex,
  derivedTotals,
  isEmptyPlan,
  missingDerived,
  products,
} from "./derived.js";
import { EventArrays, insertFromArrays } from "./event-arrays.js";
import { scanEventRows } from "./event-scan.js";
import { fold } from "./fold.js";
import { withPooledClient } from "./pooled-client.js";
import { checkSchemaName, migrate } from "./schema.js";
import { buildSlices, hasSlices, readSliceRows } from "./slices.js";

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:port/database`. */
  readonly connectionString: string;
  /** Schema holding the tables (created and migrated by the store). Default "assay". */
  readonly schema?: string;
  /** Connections in the pool. Default 4. */
  readonly maxConnections?: number;
  /** Give up connecting after this long. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * The server cancels a statement of an append, a summary or a sticky read/write running longer than this
   * (`statement_timeout`), and the client gives up on an answer 2 s after it (a half-open connection, whose
   * server never answers, is destroyed). Keep it below the pipeline's `retry.deadlineMs` so a hung commit
   * fails and is retried within the deadline. Default 10,000 ms.
   */
  readonly statementTimeoutMs?: number;
  /** A statement waiting this long for a table or row lock fails (`lock_timeout`). Default 5000 ms. */
  readonly lockTimeoutMs?: number;
  /**
   * The same bounds for folds and migrations, which run on a connection of their own (a fold of a long
   * backlog, or a migration rebuilding an index, may take minutes). Default 120,000 ms.
   */
  readonly maintenanceTimeoutMs?: number;
  /** `application_name` of the connections (shown in pg_stat_activity). Default "assay". */
  readonly applicationName?: string;
  /**
   * Fold new events into the per-unit rollups in the background once this instance stored this many since
   * its last fold (the server does the work). 0 folds only when summarizing. Default 50,000.
   */
  readonly foldStep?: number;
}

/**
 * The shared event store for apps with several instances: PostgreSQL, idempotent on eventId (`ON CONFLICT
 * DO NOTHING`), one statement (hence one transaction) per batch, committed with the server's durability
 * (`synchronous_commit`). The schema is created and migrated by the store on `init`, versioned in
 * `<schema>.assay_migrations`. Summaries are computed by PostgreSQL from per-variant running totals (the daily
 * series included) that a fold keeps current from per-unit rollups (fold.ts), so their cost grows with
 * variants, metrics and days, not with units or events; only rows grouped by variant, metric and day reach
 * JavaScript.
 */
export class PostgresEventStore implements EventStore, StickyAssignmentStore {
  readonly name = "postgres";
  /** Two commits in flight behind the pipeline: with more, the transactions contend for the index's last page. */
  readonly commitsInFlight = 2;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly maintenance: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly foldStep: number;
  private sinceFold = 0;
  private folding: Promise<unknown> | undefined;
  private readonly insertSql: string;

  constructor(options: PostgresEventStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? "assay");
    this.foldStep = options.foldStep ?? 50_000;
    this.insertSql = insertFromArrays(this.schema);
    const statementTimeout = options.statementTimeoutMs ?? 10_000;
    const maintenanceTimeout = options.maintenanceTimeoutMs ?? 120_000;
    const common = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: options.applicationName ?? "assay",
      // Probes an idle connection after 10 s, so a peer that vanished is noticed without a query.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    };
    this.pool = new pg.Pool({
      ...common,
      max: options.maxConnections ?? 4,
      statement_timeout: statementTimeout,
      lock_timeout: Math.min(options.lockTimeoutMs ?? 5000, statementTimeout),
      query_timeout: statementTimeout + 2000,
      idle_in_transaction_session_timeout: statementTimeout + 2000,
    });
    // Folds and migrations, serialized across instances anyway (advisory locks): a background fold and the one
    // a summary waits for.
    this.maintenance = new pg.Pool({
      ...common,
      max: 2,
      statement_timeout: maintenanceTimeout,
      lock_timeout: maintenanceTimeout,
      query_timeout: maintenanceTimeout + 2000,
      idle_in_transaction_session_timeout: maintenanceTimeout + 2000,
    });
    // A connection that dies while idle (server restart) must not crash the process; the next query reconnects.
    // Checked-out clients get their own listener (withPooledClient); pool.query attaches one itself.
    this.pool.on("error", () => undefined);
    this.maintenance.on("error", () => undefined);
  }

  init(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await withPooledClient(this.maintenance, (client) => migrate(client, this.schema));
      } catch (cause) {
        this.ready = undefined; // let a later call try again
        const what = isConnectionFailure(cause)
          ? "could not connect to PostgreSQL"
          : `could not migrate schema ${this.schema}`;
        throw new BackendError(`${what}: ${(cause as Error).message}`, { cause });
      }
    })();
    return this.ready;
  }

  /** Stored first assignments of the given experiment versions (accepted at or after `since`). */
  async loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]> {
    await this.init();
    if (query.experiments.length === 0) return [];
    const environment = query.environment ?? DEFAULT_ENVIRONMENT;
    try {
      const { rows } = await this.pool.query<{
        experiment: string;
        version: number;
        unit: string;
        variant_id: string;
        assigned_at: string;
      }>(
        `SELECT s.experiment, s.version, s.unit, s.variant_id, s.assigned_at
           FROM ${this.schema}.sticky_assignments s
           JOIN unnest($1::text[], $2::integer[]) AS wanted(experiment, version)
             ON s.experiment = wanted.experiment AND s.version = wanted.version
          WHERE s.assigned_at >= $3 AND s.environment = $4`,
        [
          query.experiments.map((e) => e.experiment),
          query.experiments.map((e) => e.version),
          query.since?.getTime() ?? Number.MIN_SAFE_INTEGER,
          environment,
        ],
      );
      return rows.map((r) => ({
        experiment: r.experiment,
        version: r.version,
        environment,
        unit: r.unit,
        variantId: r.variant_id,
        assignedAt: new Date(Number(r.assigned_at)),
      }));
    } catch (cause) {
      throw new BackendError(`could not load sticky assignments: ${(cause as Error).message}`, { cause });
    }
  }

  /** Stores first assignments in one statement; a unit already stored for that version keeps its row. */
  async saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void> {
    await this.init();
    if (rows.length === 0) return;
    try {
      await this.pool.query(
        `INSERT INTO ${this.schema}.sticky_assignments (experiment, version, unit, variant_id, environment)
         SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT DO NOTHING`,
        [
          rows.map((r) => r.experiment),
          rows.map((r) => r.version),
          rows.map((r) => r.unit),
          rows.map((r) => r.variantId),
          rows.map((r) => r.environment ?? DEFAULT_ENVIRONMENT),
        ],
      );
    } catch (cause) {
      throw new BackendError(`could not save sticky assignments: ${(cause as Error).message}`, { cause });
    }
  }

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    const arrays = new EventArrays();
    for (let i = 0; i < batch.length; i++) arrays.add(batch[i]!);
    return this.insert(arrays);
  }

  /** A pack of events as the insert's column arrays (see EventStore.createPack). */
  createPack(): EventPack {
    return new EventArrays();
  }

  /** Stores a pack from `createPack` in one statement; the pack stays as it was (a retry sends it again). */
  appendPack(pack: EventPack): Promise<AppendResult> {
    if (!(pack instanceof EventArrays))
      return Promise.reject(new TypeError("appendPack takes a pack made by this store's createPack"));
    return this.insert(pack);
  }

  private async insert(arrays: EventArrays): Promise<AppendResult> {
    await this.init();
    const n = arrays.size;
    if (n === 0) return { inserted: 0, duplicates: 0 };
    try {
      // Named, so each connection parses and plans the insert once instead of once per batch.
      const result = await this.pool.query({
        name: `assay-insert-${this.schema}`,
        text: this.insertSql,
        values: arrays.parameters(),
      });
      const inserted = result.rowCount ?? 0;
      this.sinceFold += inserted;
      if (this.foldStep > 0 && this.sinceFold >= this.foldStep && this.folding === undefined) {
        this.sinceFold = 0;
        this.folding = this.foldOnce(false)
          .catch(() => undefined) // the next fold or summary tries again
          .finally(() => {
            this.folding = undefined;
          });
      }
      return { inserted, duplicates: n - inserted };
    } catch (cause) {
      throw new BackendError(`could not append to PostgreSQL: ${(cause as Error).message}`, { cause });
    }
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.init();
    let rows: SummaryRows;
    try {
      await this.foldAll();
    } catch (cause) {
      throw new BackendError(`could not fold new events into the rollups: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      await this.ensureDerived(query);
    } catch (cause) {
      throw new BackendError(`could not build the derived metrics: ${(cause as Error).message}`, { cause });
    }
    try {
      rows = await withPooledClient(this.pool, async (client) => {
        // One snapshot for the four queries.
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        try {
          const read = await this.summaryRows(client, query);
          await client.query("COMMIT");
          return read;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
    } catch (cause) {
      throw new BackendError(`could not summarize from PostgreSQL: ${(cause as Error).message}`, { cause });
    }
    return summaryFromRows(query.experiment, rows, {
      ...(query.daily === true ? { daily: true } : {}),
      ...(query.ratios === undefined ? {} : { ratios: query.ratios }),
      ...(query.capped === undefined ? {} : { capped: query.capped }),
      ...(query.windowed === undefined ? {} : { windowed: query.windowed }),
      ...(query.cuped === undefined ? {} : { cuped: query.cuped }),
      ...(query.quantiles === undefined ? {} : { quantiles: query.quantiles }),
      ...(query.breakdown === undefined ? {} : { breakdown: query.breakdown }),
    });
  }

  async flush(): Promise<void> {}

  /** Folds every queued event into the rollups (summaries do it themselves; for benchmarks). */
  async foldAll(): Promise<number> {
    await this.init();
    let total = 0;
    for (let n = await this.foldOnce(true); n > 0; n = await this.foldOnce(true)) total += n;
    return total;
  }

  /**
   * Registers and builds what the query asks for that the fold does not keep yet (windows, pre-periods,
   * products, unit values of capped metrics; derived.ts), inside a fold's transaction under its lock, checked
   * again there so two instances asking at once build it once.
   */
  private async ensureDerived(query: SummaryQuery): Promise<void> {
    const s = this.schema;
    const mode = query.unit === "session" ? "s" : "u";
    const scope = await withPooledClient(this.pool, (client) => this.readScope(client, query));
    const experiment = scopeKey(query.experiment, scope.environment, scope.phase);
    const events = { experiment: query.experiment, environment: scope.environment, phase: scope.phase };
    const { breakdown } = query;
    if (breakdown !== undefined) requireBreakdownDimension(breakdown);
    const [first, sliced] = await withPooledClient(
      this.pool,
      async (client) =>
        [
          await missingDerived(client, s, mode, experiment, query),
          breakdown === undefined || (await hasSlices(client, s, mode, experiment, breakdown)),
        ] as const,
    );
    if (isEmptyPlan(first) && sliced) return;
    await withPooledClient(this.maintenance, (client) =>
      fold(client, s, true, async (locked) => {
        const plan = await missingDerived(locked, s, mode, experiment, query);
        if (!isEmptyPlan(plan)) await buildDerived(locked, s, mode, experiment, events, plan);
        if (breakdown !== undefined) await buildSlices(locked, s, mode, experiment, breakdown);
      }),
    );
  }

  private async foldOnce(wait: boolean): Promise<number> {
    return withPooledClient(this.maintenance, (client) => fold(client, this.schema, wait));
  }

  async close(): Promise<void> {
    await this.folding;
    await Promise.all([this.pool.end(), this.maintenance.end()]);
  }

  /** One page of an experiment's events in commit-safe order (see event-scan.ts and EventStore.scanEvents). */
  async scanEvents(query: EventScanQuery): Promise<EventScanPage> {
    await this.init();
    try {
      return await scanEventRows(this.pool, this.schema, query);
    } catch (cause) {
      if (ExperimentError.is(cause)) throw cause;
      throw new BackendError(`could not read events from PostgreSQL: ${(cause as Error).message}`, { cause });
    }
  }

  /** Events stored for one experiment (a cheap check for tests and benchmarks). */
  async count(experiment: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.schema}.events WHERE experiment = $1`,
      [experiment],
    );
    return Number(rows[0]!.n);
  }

  /** The environment and phase a query reads (the phase defaulting to the highest with exposures there). */
  private async readScope(client: pg.PoolClient, query: SummaryQuery): Promise<SummaryScope> {
    const environment = query.environment ?? DEFAULT_ENVIRONMENT;
    const { rows } = await client.query<{ phase: number; manifest_version: string }>(
      `SELECT phase, manifest_version FROM ${this.schema}.scopes WHERE experiment = $1 AND environment = $2`,
      [query.experiment, environment],
    );
    const { phase } = resolveScope(
      query,
      rows.map((r) => r.phase),
    );
    const versions = rows
      .filter((r) => r.phase === phase && r.manifest_version !== "")
      .map((r) => r.manifest_version);
    return summaryScope(
      environment,
      phase,
      rows.map((r) => r.phase),
      versions,
    );
  }

  private async summaryRows(client: pg.PoolClient, query: SummaryQuery): Promise<SummaryRows> {
    const s = this.schema;
    const mode = query.unit === "session" ? "s" : "u";
    const scope = await this.readScope(client, query);
    // the rollups' experiment column holds the analysis scope
    const experiment = scopeKey(query.experiment, scope.environment, scope.phase);
    const metricFilter = query.metrics === undefined ? "" : "AND metric = ANY($3::text[])";
    const params: unknown[] =
      query.metrics === undefined ? [experiment, mode] : [experiment, mode, query.metrics];
    const exposures = await client.query(
      `SELECT variant_id AS "variantId", day, 0 AS "firstUnits", exposures::int AS exposures FROM ${s}.variant_days
       WHERE experiment = $1 AND mode = $2
       UNION ALL
       SELECT variant_id, day, units::int, 0 FROM ${s}.variant_first_days
       WHERE experiment = $1 AND mode = $2 AND units <> 0`,
      [experiment, mode],
    );
    const kinds = await client.query(
      `SELECT metric, kind, outcomes::int AS outcomes FROM ${s}.metric_kinds
       WHERE experiment = $1 AND mode = $2 ${metricFilter}`,
      params,
    );
    const metricSql =
      query.daily === true
        ? // the series' per-day deltas, kept by the fold, as the difference of the running (exact numeric)
          // sums after and before the day, each rounded once: a unit's large first-day term and its removal the
          // next day then cancel in summaryFromRows' compensated sum instead of leaving their rounding behind
          `SELECT d.metric, d.variant_id AS "variantId", d.day, r.ref AS reference, d.units::int AS "valuedUnits",
                  (sum(d.dsum) OVER w)::float8 AS "centredSum",
                  (d.dsum - sum(d.dsum) OVER w)::float8 AS "centredSumLow",
                  (sum(d.dsq) OVER w)::float8 AS "centredSquares",
                  (d.dsq - sum(d.dsq) OVER w)::float8 AS "centredSquaresLow", d.counted::int AS counted
           FROM ${s}.variant_metric_days d
           JOIN ${s}.variant_metrics r
             ON r.experiment = d.experiment AND r.mode = d.mode AND r.variant_id = d.variant_id AND r.metric = d.metric
           WHERE d.experiment = $1 AND d.mode = $2 AND d.counted <> 0 ${metricFilter.replace("metric", "d.metric")}
           WINDOW w AS (PARTITION BY d.variant_id, d.metric ORDER BY d.day)`
        : // the running totals: one row per variant and metric
          `SELECT metric, variant_id AS "variantId", 0 AS day, ref AS reference, units::int AS "valuedUnits",
                  dsum::float8 AS "centredSum", dsq::float8 AS "centredSquares", counted::int AS counted
           FROM ${s}.variant_metrics WHERE experiment = $1 AND mode = $2 ${metricFilter}`;
    const metrics = await client.query(metricSql, params);
    const several = await client.query<{ n: number }>(
      `SELECT several::int AS n FROM ${s}.unit_counters WHERE experiment = $1 AND mode = $2`,
      [experiment, mode],
    );
    // Ratio cross-products, kept by the fold (derived.ts): rows per variant.
    const ratios = [];
    for (const pair of query.ratios ?? []) {
      for (const row of await products(client, s, mode, experiment, ratioPairKey(pair)))
        ratios.push({ ...pair, ...row });
    }
    // Capped metrics from the fold's index of unit values where the cap is above 0: no pass over units.
    const pooled = await client.query<{ n: number }>(
      `SELECT coalesce(sum(units), 0)::float8 AS n FROM ${s}.variant_first_days WHERE experiment = $1 AND mode = $2`,
      [experiment, mode],
    );
    const cappedTotals = [];
    for (const [i, request] of (query.capped ?? []).entries()) {
      const totals = await cappedFromIndex(client, s, mode, experiment, request, i, pooled.rows[0]?.n ?? 0);
      if (totals !== undefined) cappedTotals.push(totals);
    }
    const answered = new Set(cappedTotals.map((c) => c.request));
    // Per-unit values of the capped metrics the index did not answer, and of every quantile's metric
    // (quantileSummary sorts them at summary time: O(units)), each metric read once.
    const unitValues = [];
    const valueMetrics = new Set([
      ...(query.capped ?? []).filter((_, i) => !answered.has(i)).map((c) => c.metric),
      ...(query.quantiles ?? []).map((q) => q.metric),
    ]);
    for (const metric of valueMetrics) {
      const { rows } = await client.query<{ variantId: string; value: number }>(
        `SELECT u.variant_id AS "variantId", x.v AS value
         FROM (SELECT unit, CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v
               FROM ${s}.unit_metric_days WHERE experiment = $1 AND mode = $2 AND metric = $3 GROUP BY unit) x
         JOIN ${s}.units u ON u.experiment = $1 AND u.mode = $2 AND u.unit = x.unit`,
        [experiment, mode, metric],
      );
      for (const row of rows) unitValues.push({ metric, ...row });
    }
    // Windowed metrics and CUPED covariates, kept by the fold as derived metrics (derived.ts): rows per variant.
    const windowTotals = [];
    for (const [request, w] of (query.windowed ?? []).entries()) {
      for (const row of await derivedTotals(client, s, mode, experiment, windowKey(w), w.metric))
        windowTotals.push({ request, ...row });
    }
    const cupedTotals = [];
    const cupedProducts = [];
    for (const [request, c] of (query.cuped ?? []).entries()) {
      for (const row of await derivedTotals(client, s, mode, experiment, preKey(c), c.metric))
        cupedTotals.push({ request, ...row });
      for (const row of await products(client, s, mode, experiment, cupedPairKey(c)))
        cupedProducts.push({ request, ...row });
    }
    return {
      scope,
      exposures: exposures.rows,
      kinds: kinds.rows,
      metrics: metrics.rows,
      unitsInSeveralVariants: several.rows[0]?.n ?? 0,
      ratios,
      unitValues,
      cappedTotals,
      windowTotals,
      cupedTotals,
      cupedProducts,
      ...(query.breakdown === undefined
        ? {}
        : {
            breakdown: await readSliceRows(client, s, mode, experiment, query.breakdown, query.metrics),
          }),
    };
  }
}

/** A failure to reach the server at all (refused, reset, DNS, timeout while connecting), not an SQL error. */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string")
    return /^E[A-Z]+$/.test(code) || code.startsWith("08") || code.startsWith("57P");
  return /connect|Connection terminated/i.test((error as Error)?.message ?? "");
}
