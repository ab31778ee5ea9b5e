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
import pg from "pg";
import { checkSchemaName, migrate } from "./schema.js";

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:port/database`. */
  readonly connectionString: string;
  /** Schema holding the tables (created and migrated by the store). Default "assay". */
  readonly schema?: string;
  /** Connections in the pool. Default 4. */
  readonly maxConnections?: number;
  /** Give up connecting after this long. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The shared event store for apps with several instances: PostgreSQL, idempotent on eventId (`ON CONFLICT
 * DO NOTHING`), one statement (hence one transaction) per batch, committed with the server's durability
 * (`synchronous_commit`). The schema is created and migrated by the store on `init`, versioned in
 * `<schema>.assay_migrations`. Summaries are computed by PostgreSQL: only rows grouped by variant, metric and
 * day reach JavaScript.
 */
export class PostgresEventStore implements EventStore {
  readonly name = "postgres";
  readonly schema: string;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresEventStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? "assay");
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    });
    // A connection that dies while idle (server restart) must not crash the process; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  init(): Promise<void> {
    this.ready ??= (async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (cause) {
        this.ready = undefined; // let a later call try again
        throw new BackendError(`could not connect to PostgreSQL: ${(cause as Error).message}`, { cause });
      }
      try {
        await migrate(client, this.schema);
      } catch (cause) {
        this.ready = undefined;
        throw new BackendError(`could not migrate schema ${this.schema}: ${(cause as Error).message}`, {
          cause,
        });
      } finally {
        client.release();
      }
    })();
    return this.ready;
  }

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    await this.init();
    if (batch.length === 0) return { inserted: 0, duplicates: 0 };
    const n = batch.length;
    const ids = new Array<string>(n);
    const experiments = new Array<string>(n);
    const types = new Array<number>(n);
    const variants = new Array<string | null>(n);
    const metrics = new Array<string | null>(n);
    const kinds = new Array<string | null>(n);
    const values = new Array<number | null>(n);
    const users = new Array<string | null>(n);
    const sessions = new Array<string | null>(n);
    const times = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const e = batch[i]!;
      ids[i] = e.eventId;
      experiments[i] = e.experiment;
      users[i] = e.userId ?? null;
      sessions[i] = e.sessionId ?? null;
      times[i] = e.timestamp.getTime();
      if (e.type === "exposure") {
        types[i] = 0;
        variants[i] = e.variantId;
        metrics[i] = null;
        kinds[i] = null;
        values[i] = null;
      } else {
        types[i] = 1;
        variants[i] = null;
        metrics[i] = e.metric;
        kinds[i] = e.value.kind;
        values[i] = e.value.kind === "bool" ? (e.value.value ? 1 : 0) : e.value.value;
      }
    }
    try {
      const result = await this.pool.query(
        `INSERT INTO ${this.schema}.events
           (event_id, experiment, type, variant_id, metric, kind, value, user_id, session_id, ts)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int2[], $4::text[], $5::text[], $6::text[],
                              $7::float8[], $8::text[], $9::text[], $10::int8[])
         ON CONFLICT (event_id) DO NOTHING`,
        [ids, experiments, types, variants, metrics, kinds, values, users, sessions, times],
      );
      const inserted = result.rowCount ?? 0;
      return { inserted, duplicates: n - inserted };
    } catch (cause) {
      throw new BackendError(`could not append to PostgreSQL: ${(cause as Error).message}`, { cause });
    }
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    await this.init();
    let rows: SummaryRows;
    const client = await this.pool.connect().catch((cause: unknown) => {
      throw new BackendError(`could not connect to PostgreSQL: ${(cause as Error).message}`, { cause });
    });
    try {
      // One snapshot for the four queries.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      rows = await this.summaryRows(client, query);
      await client.query("COMMIT");
    } catch (cause) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new BackendError(`could not summarize from PostgreSQL: ${(cause as Error).message}`, { cause });
    } finally {
      client.release();
    }
    return summaryFromRows(query.experiment, rows, query.daily === true ? { daily: true } : {});
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Events stored for one experiment (a cheap check for tests and benchmarks). */
  async count(experiment: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.schema}.events WHERE experiment = $1`,
      [experiment],
    );
    return Number(rows[0]!.n);
  }

  private async summaryRows(client: pg.PoolClient, query: SummaryQuery): Promise<SummaryRows> {
    const s = this.schema;
    const unit =
      query.unit === "session" ? "'s:' || session_id" : "COALESCE('u:' || user_id, 's:' || session_id)";
    const metricFilter = query.metrics === undefined ? "" : "AND metric = ANY($2::text[])";
    const params: unknown[] =
      query.metrics === undefined ? [query.experiment] : [query.experiment, query.metrics];
    const firsts = `
      x AS (
        SELECT ${unit} AS unit, variant_id, ts, event_id FROM ${s}.events
        WHERE experiment = $1 AND type = 0 AND ${unit} IS NOT NULL
      ),
      f AS (
        SELECT DISTINCT ON (unit) unit, variant_id, ts FROM x ORDER BY unit, ts, event_id COLLATE "C"
      )`;
    const exposures = await client.query(
      `WITH ${firsts}
       SELECT variant_id AS "variantId", (ts / ${DAY_MS})::int AS day, 0 AS "firstUnits", count(*)::int AS exposures
         FROM x GROUP BY 1, 2
       UNION ALL
       SELECT variant_id, (ts / ${DAY_MS})::int, count(*)::int, 0 FROM f GROUP BY 1, 2`,
      [query.experiment],
    );
    const kinds = await client.query(
      `SELECT metric, kind, count(*)::int AS outcomes FROM ${s}.events
       WHERE experiment = $1 AND type = 1 ${metricFilter} GROUP BY 1, 2`,
      params,
    );
    const metrics = await client.query(
      `WITH ${firsts},
       o AS (
         SELECT ${unit} AS unit, metric, kind, value, ts FROM ${s}.events
         WHERE experiment = $1 AND type = 1 ${metricFilter}
       ),
       d AS (
         SELECT o.metric, f.unit, f.variant_id, (o.ts / ${DAY_MS})::int AS day, min(o.kind) AS kind,
                CASE WHEN min(o.kind) = 'bool' THEN max(o.value) ELSE sum(o.value) END AS v, count(*) AS c
         FROM o JOIN f ON f.unit = o.unit AND o.ts >= f.ts
         GROUP BY o.metric, f.unit, f.variant_id, 4
       ),
       cum AS (
         SELECT metric, unit, variant_id, day, c,
                CASE WHEN kind = 'bool' THEN max(v) OVER w ELSE sum(v) OVER w END AS cv
         FROM d WINDOW w AS (PARTITION BY metric, unit ORDER BY day)
       ),
       delta AS (
         SELECT metric, variant_id, day, c, cv,
                COALESCE(lag(cv) OVER (PARTITION BY metric, unit ORDER BY day), 0) AS pv
         FROM cum
       )
       SELECT metric, variant_id AS "variantId", day, sum(cv - pv) AS sum, sum(cv * cv - pv * pv) AS "sumSquares",
              sum(c)::int AS counted
       FROM delta GROUP BY 1, 2, 3`,
      params,
    );
    const several = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT ${unit} AS unit FROM ${s}.events
         WHERE experiment = $1 AND type = 0 AND ${unit} IS NOT NULL
         GROUP BY 1 HAVING count(DISTINCT variant_id) > 1
       ) t`,
      [query.experiment],
    );
    return {
      exposures: exposures.rows,
      kinds: kinds.rows,
      metrics: metrics.rows,
      unitsInSeveralVariants: several.rows[0]!.n,
    };
  }
}
