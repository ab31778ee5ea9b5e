import type { PoolClient } from "pg";
import { DERIVED_TABLES } from "./derived.js";
import { centredDayDeltas, exact } from "./fold.js";
import { schemaNameProblem } from "./schema-name.js";

/** The schema version this code writes; `<schema>.assay_migrations` lists the versions a database has. */
export const POSTGRES_SCHEMA_VERSION = 11;

/** Each step takes the database from version `n - 1` to `n`, in one transaction. Never edit a shipped step. */
export const MIGRATIONS: Readonly<Record<number, (schema: string) => string>> = {
  1: (s) => `
    CREATE TABLE ${s}.events (
      event_id   text PRIMARY KEY,
      experiment text NOT NULL,
      type       smallint NOT NULL,           -- 0 exposure, 1 outcome
      variant_id text,                        -- exposures
      metric     text,                        -- outcomes
      kind       text,                        -- outcomes: bool | numeric | count
      value      double precision,            -- outcomes: bool as 0/1
      user_id    text,
      session_id text,
      ts         bigint NOT NULL              -- Unix milliseconds
    )`,
  // Per-unit rollups (see fold.ts), and the queue of events not folded in yet, seeded with every event
  // already stored.
  2: (s) => `
    CREATE TABLE ${s}.unfolded (LIKE ${s}.events);
    INSERT INTO ${s}.unfolded SELECT * FROM ${s}.events;
    CREATE TABLE ${s}.units (
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL,
      variant_id text NOT NULL, first_ts bigint NOT NULL, first_event_id text COLLATE "C" NOT NULL,
      PRIMARY KEY (experiment, mode, unit)
    );
    CREATE TABLE ${s}.unit_variants (
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL, variant_id text NOT NULL,
      exposures bigint NOT NULL,
      PRIMARY KEY (experiment, mode, unit, variant_id)
    );
    CREATE TABLE ${s}.variant_days (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, day integer NOT NULL,
      exposures bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, day)
    );
    CREATE TABLE ${s}.metric_kinds (
      experiment text NOT NULL, mode char(1) NOT NULL, metric text NOT NULL, kind text NOT NULL,
      outcomes bigint NOT NULL,
      PRIMARY KEY (experiment, mode, metric, kind)
    );
    CREATE TABLE ${s}.unit_metric_days (
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL, metric text NOT NULL,
      day integer NOT NULL, kind text NOT NULL, value double precision NOT NULL, outcomes bigint NOT NULL,
      PRIMARY KEY (experiment, mode, unit, metric, day)
    );
    CREATE TABLE ${s}.pending_outcomes (
      id bigserial PRIMARY KEY,
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL, metric text NOT NULL,
      kind text NOT NULL, value double precision NOT NULL, ts bigint NOT NULL
    );
    CREATE INDEX pending_by_unit ON ${s}.pending_outcomes (experiment, mode, unit);`,
  // Sticky assignments: a unit's first enrolled variant per experiment version (first writer wins), stamped
  // with the server's clock so instances refresh by one timeline.
  3: (s) => `
    CREATE TABLE ${s}.sticky_assignments (
      experiment  text NOT NULL,
      version     integer NOT NULL,
      unit        text NOT NULL,
      variant_id  text NOT NULL,
      assigned_at bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
      PRIMARY KEY (experiment, version, unit)
    );
    CREATE INDEX sticky_assignments_by_time ON ${s}.sticky_assignments (experiment, version, assigned_at);`,
  // Folds find new rows by the transaction that wrote them instead of a queue table (a queue costs an insert
  // and a delete per event). Rows already folded get xid 1, rows still queued xid 2, and the watermark starts
  // at 2; real transaction ids start at 3. See fold.ts.
  4: (s) => `
    ALTER TABLE ${s}.events ADD COLUMN xid xid8 NOT NULL DEFAULT '1';
    ALTER TABLE ${s}.events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
    UPDATE ${s}.events e SET xid = '2' WHERE EXISTS (SELECT 1 FROM ${s}.unfolded u WHERE u.event_id = e.event_id);
    CREATE INDEX events_by_xid ON ${s}.events (xid);
    CREATE TABLE ${s}.fold_state (id integer PRIMARY KEY, watermark xid8 NOT NULL);
    INSERT INTO ${s}.fold_state VALUES (1, '2');
    CREATE TABLE ${s}.folded_xids (xid xid8 PRIMARY KEY);
    DROP TABLE ${s}.unfolded;`,
  // Per-variant running totals kept by the fold (see fold.ts), filled from the per-unit rollups.
  5: (s) => `
    CREATE TABLE ${s}.variant_metrics (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      sum double precision NOT NULL, sum_squares double precision NOT NULL, counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric)
    );
    INSERT INTO ${s}.variant_metrics
    SELECT t.experiment, t.mode, u.variant_id, t.metric, sum(t.v), sum(t.v * t.v), sum(t.c)
    FROM (
      SELECT experiment, mode, unit, metric,
             CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v, sum(outcomes) AS c
      FROM ${s}.unit_metric_days GROUP BY experiment, mode, unit, metric
    ) t JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = t.mode AND u.unit = t.unit
    GROUP BY t.experiment, t.mode, u.variant_id, t.metric;
    CREATE TABLE ${s}.variant_first_days (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, day integer NOT NULL,
      units bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, day)
    );
    INSERT INTO ${s}.variant_first_days
    SELECT experiment, mode, variant_id, (first_ts / 86400000)::int, count(*) FROM ${s}.units GROUP BY 1, 2, 3, 4;
    CREATE TABLE ${s}.unit_counters (
      experiment text NOT NULL, mode char(1) NOT NULL, several bigint NOT NULL,
      PRIMARY KEY (experiment, mode)
    );
    INSERT INTO ${s}.unit_counters
    SELECT experiment, mode, count(*) FROM (
      SELECT experiment, mode, unit FROM ${s}.unit_variants GROUP BY 1, 2, 3 HAVING count(*) > 1
    ) t GROUP BY 1, 2;`,
  // The daily series kept by the fold (see fold.ts): per variant, metric and day the change of the sum and sum
  // of squares of the units' cumulative values, and the outcomes counted; filled from the per-unit rollups.
  6: (s) => `
    CREATE TABLE ${s}.variant_metric_days (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      day integer NOT NULL, sum double precision NOT NULL, sum_squares double precision NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric, day)
    );
    INSERT INTO ${s}.variant_metric_days
    SELECT d.experiment, d.mode, u.variant_id, d.metric, d.day, sum(d.cv - d.pv), sum(d.cv * d.cv - d.pv * d.pv),
           sum(d.c)
    FROM (
      SELECT experiment, mode, unit, metric, day, c, cv,
             coalesce(lag(cv) OVER (PARTITION BY experiment, mode, unit, metric ORDER BY day), 0) AS pv
      FROM (
        SELECT experiment, mode, unit, metric, day, outcomes AS c,
               CASE WHEN kind = 'bool' THEN max(value) OVER w ELSE sum(value) OVER w END AS cv
        FROM ${s}.unit_metric_days
        WINDOW w AS (PARTITION BY experiment, mode, unit, metric ORDER BY day)
      ) cum
    ) d JOIN ${s}.units u ON u.experiment = d.experiment AND u.mode = d.mode AND u.unit = d.unit
    GROUP BY d.experiment, d.mode, u.variant_id, d.metric, d.day;`,
  // Event ids compare byte by byte: every insert probes the unique index once per row, and under the database's
  // collation (even C.UTF-8) each comparison went through strcoll. Inserts and folds already order ids by "C",
  // so no order changes. Rebuilds the index once.
  7: (s) => `ALTER TABLE ${s}.events ALTER COLUMN event_id TYPE text COLLATE "C"`,
  // The per-variant sums centred on a reference value and kept as exact numerics (CENTRED_TOTALS), rebuilt from
  // the per-unit rollups.
  8: (s) => CENTRED_TOTALS(s),
  // Environment, phase and manifest version on every event; the rollups kept per analysis scope (SCOPES).
  9: (s) => SCOPES(s),
  // The dimensions of each exposure, and of each unit's first exposure in the fold (DIMENSIONS).
  10: (s) => DIMENSIONS(s),
  // Windowed metrics, CUPED covariates, ratio cross-products and capped metrics' unit values, kept by the fold
  // once a summary asks for them (derived.ts).
  11: (s) => DERIVED_TABLES(s),
};

/**
 * Version 10: the dimensions of an exposure (the attributes its experiment declares in the manifest's
 * \`dimensions\`, e.g. country and platform) as one JSON object in \`events.dimensions\` (text, keys sorted, NULL
 * when it carried none, as every earlier event did), and per unit the dimensions of its FIRST exposure in
 * \`units.dimensions\`, kept by the fold with the unit's variant (a late exposure that happened earlier moves both).
 * Nullable columns without a default rewrite no row. A breakdown reads \`units.dimensions\` joined to the per-unit
 * rollups at summary time: O(units).
 */
function DIMENSIONS(s: string): string {
  return `
    ALTER TABLE ${s}.events ADD COLUMN dimensions text;
    ALTER TABLE ${s}.units ADD COLUMN dimensions text;`;
}

/** The rollup tables, whose \`experiment\` column holds the analysis scope from version 9 on. */
const ROLLUPS = [
  "units",
  "unit_variants",
  "variant_days",
  "metric_kinds",
  "unit_metric_days",
  "pending_outcomes",
  "variant_metrics",
  "variant_first_days",
  "unit_counters",
  "variant_metric_days",
];

/**
 * Version 9: where and under what each event was recorded (environment, phase; for exposures the manifest
 * version), and the rollups per analysis scope: every rollup table's \`experiment\` holds experiment,
 * environment and phase joined by U+001F (@assay/core's \`scopeKey\`), so staging and production, and the
 * phases of a re-randomized experiment, fold apart and a summary reads one. \`scopes\` lists, per experiment,
 * the environments and phases with exposures and the manifest versions they name, kept by the fold (a
 * summary's default phase and its list of versions read it, not the events). The new columns have constant
 * defaults, so adding them rewrites no row of \`events\`; earlier events are the "default" environment's,
 * phase 1. Sticky assignments are kept per environment too (a staging unit never pins a production one).
 */
function SCOPES(s: string): string {
  return `
    ALTER TABLE ${s}.events ADD COLUMN environment text NOT NULL DEFAULT 'default';
    ALTER TABLE ${s}.events ADD COLUMN phase integer NOT NULL DEFAULT 1;
    ALTER TABLE ${s}.events ADD COLUMN manifest_version text;
    CREATE TABLE ${s}.scopes (
      experiment text NOT NULL, environment text NOT NULL, phase integer NOT NULL,
      manifest_version text NOT NULL,   -- '' for exposures that named none
      PRIMARY KEY (experiment, environment, phase, manifest_version)
    );
    INSERT INTO ${s}.scopes SELECT DISTINCT experiment, 'default', 1, '' FROM ${s}.variant_days;
    ${ROLLUPS.map((t) => `UPDATE ${s}.${t} SET experiment = experiment || chr(31) || 'default' || chr(31) || '1';`).join("\n    ")}
    ALTER TABLE ${s}.sticky_assignments ADD COLUMN environment text NOT NULL DEFAULT 'default';
    ALTER TABLE ${s}.sticky_assignments DROP CONSTRAINT sticky_assignments_pkey,
      ADD PRIMARY KEY (experiment, environment, version, unit);
    DROP INDEX ${s}.sticky_assignments_by_time;
    CREATE INDEX sticky_assignments_by_time ON ${s}.sticky_assignments (experiment, environment, version, assigned_at);`;
}

/**
 * Version 8: sums that keep a variance when the mean is large against the spread (sd 0.01 around 1e6 is 1e-16
 * of the mean's square: plain running sums of v and v² in double precision kept nothing of it, and a value the
 * same for every unit came out a hair off 0). Each `variant_metrics` row keeps a reference value `ref`, fixed
 * when the row is made, the units that have a value (`units`), and Σ(v − ref) and Σ(v − ref)² over them as
 * numerics (`dsum`, `dsq`): every term is the exact numeric of a double (fold.ts's `exact`), so what one fold
 * adds a later one takes out exactly. The units without a value count as 0; `statsFromCentred` of @assay/core
 * turns these into n / sum / sum of squares / Σ(v − mean)². A value equal to `ref` adds exactly 0, so a constant
 * metric keeps a variance of exactly 0. `ref` is the value of largest magnitude among the units of the fold that
 * makes the row (a unit's value grows as its outcomes come in, so the largest is the likeliest whole one); the
 * centring only has to be near the data: the further `ref` is from the mean against the sd, the more digits the
 * final subtraction in doubles loses (100 sd away costs four of sixteen). `variant_metric_days` keeps the change
 * per day of the same sums, centred on the row's `ref`.
 */
function CENTRED_TOTALS(s: string): string {
  return `
    DROP TABLE ${s}.variant_metrics;
    CREATE TABLE ${s}.variant_metrics (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      ref double precision NOT NULL, units bigint NOT NULL, dsum numeric NOT NULL, dsq numeric NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric)
    );
    INSERT INTO ${s}.variant_metrics
    SELECT experiment, mode, variant_id, metric, min(ref), count(*), sum(${exact("v - ref")}),
           sum(${exact("v - ref")} * ${exact("v - ref")}), sum(c)
    FROM (
      SELECT t.experiment, t.mode, u.variant_id, t.metric, t.v, t.c,
             first_value(t.v) OVER (
               PARTITION BY t.experiment, t.mode, u.variant_id, t.metric ORDER BY abs(t.v) DESC, t.v DESC) AS ref
      FROM (
        SELECT experiment, mode, unit, metric,
               CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v, sum(outcomes) AS c
        FROM ${s}.unit_metric_days GROUP BY experiment, mode, unit, metric
      ) t JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = t.mode AND u.unit = t.unit
    ) c
    GROUP BY experiment, mode, variant_id, metric;
    DROP TABLE ${s}.variant_metric_days;
    CREATE TABLE ${s}.variant_metric_days (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      day integer NOT NULL, units bigint NOT NULL, dsum numeric NOT NULL, dsq numeric NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric, day)
    );
    INSERT INTO ${s}.variant_metric_days
    SELECT d.experiment, d.mode, u.variant_id, d.metric, d.day, ${centredDayDeltas("r.ref")}
    FROM (
      SELECT experiment, mode, unit, metric, day, c, cv,
             lag(cv) OVER (PARTITION BY experiment, mode, unit, metric ORDER BY day) AS pv
      FROM (
        SELECT experiment, mode, unit, metric, day, outcomes AS c,
               CASE WHEN kind = 'bool' THEN max(value) OVER w ELSE sum(value) OVER w END AS cv
        FROM ${s}.unit_metric_days
        WINDOW w AS (PARTITION BY experiment, mode, unit, metric ORDER BY day)
      ) cum
    ) d
    JOIN ${s}.units u ON u.experiment = d.experiment AND u.mode = d.mode AND u.unit = d.unit
    JOIN ${s}.variant_metrics r
      ON r.experiment = d.experiment AND r.mode = d.mode AND r.variant_id = u.variant_id AND r.metric = d.metric
    GROUP BY d.experiment, d.mode, u.variant_id, d.metric, d.day;`;
}

/** A schema name used unquoted in SQL (see schemaNameProblem); a RangeError saying why it cannot be one. */
export function checkSchemaName(schema: string): string {
  const problem = schemaNameProblem(schema);
  if (problem !== undefined) throw new RangeError(`PostgreSQL schema name ${problem}`);
  return schema;
}

/**
 * Creates the schema and brings it to `target` (default: the latest version). Runs under an advisory lock
 * keyed by the schema name, so several app instances starting at once migrate it exactly once. Refuses a
 * database whose version is newer than this code.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  target: number = POSTGRES_SCHEMA_VERSION,
): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`assay-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.assay_migrations (
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${schema}.assay_migrations`,
    );
    let version = rows[0]?.v ?? 0;
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `schema ${schema} is at version ${version}, newer than this @assay/store-postgres (${POSTGRES_SCHEMA_VERSION}); upgrade the package`,
      );
    }
    while (version < target) {
      version++;
      await client.query(MIGRATIONS[version]!(schema));
      await client.query(`INSERT INTO ${schema}.assay_migrations (version) VALUES ($1)`, [version]);
    }
    await client.query("COMMIT");
    return version;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
