import type Database from "better-sqlite3";
import { refreshUnitValues } from "./capped-values.js";
import { CODE_BOOL, CODE_COUNT, CODE_EXPOSURE, CODE_NUMERIC } from "./columns.js";
import {
  DERIVED_TABLE_NAMES,
  derivedTempTables,
  fillValues,
  type MetricTables,
  productContributions,
  rebuildDerived,
  touchDerived,
  touchPartners,
} from "./derived.js";
import { addExact, exactSum } from "./exact-sums.js";
import { sliceContributions } from "./slices.js";

/**
 * The events with their names (see schema.ts, version 5), in the shape the fold reads: `seq` is the order
 * of arrival, type 0 an exposure and 1 an outcome, exposures have a variant, outcomes a metric and a kind.
 */
export const EVENT_ROWS = `
  CREATE VIEW event_rows AS
  SELECT e.seq, e.event_id, k.experiment,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN 0 ELSE 1 END AS type,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN k.name END AS variant_id,
         CASE WHEN k.code <> ${CODE_EXPOSURE} THEN k.name END AS metric,
         CASE k.code WHEN ${CODE_BOOL} THEN 'bool' WHEN ${CODE_NUMERIC} THEN 'numeric' WHEN ${CODE_COUNT} THEN 'count' END AS kind,
         e.value, e.user_id, e.session_id, e.ts
  FROM events e JOIN event_keys k ON k.key = e.key;
`;

/**
 * Version 7: the environment, the phase and (exposures) the manifest version of every event, on its key row;
 * and the analysis scope the rollups are kept under. Every rollup table's \`experiment\` column holds the
 * scope from here on: experiment, environment and phase joined by U+001F (@assay/core's \`scopeKey\`), so
 * staging and production, and the phases of a re-randomized experiment, fold apart and a summary reads one.
 * The key rows are few (one per experiment, variant or metric, environment, phase and manifest version), so
 * the scope is made once per key row, not per event. Earlier events were recorded with none of these: they
 * are the "default" environment's, phase 1. The view \`event_rows\` gains the columns; \`scope\` is what the
 * fold reads. Sticky assignments are kept per environment as well (a staging unit never pins a production one).
 */
export const SCOPED_KEYS = `
  DROP VIEW event_rows;
  CREATE TABLE scoped_keys (
    key              INTEGER PRIMARY KEY,
    experiment       TEXT NOT NULL,
    code             INTEGER NOT NULL,
    name             TEXT NOT NULL,
    environment      TEXT NOT NULL,
    phase            INTEGER NOT NULL,
    manifest_version TEXT NOT NULL,   -- '' when the exposure named none, and for outcomes
    scope            TEXT NOT NULL,
    UNIQUE (experiment, code, name, environment, phase, manifest_version)
  );
  INSERT INTO scoped_keys (key, experiment, code, name, environment, phase, manifest_version, scope)
  SELECT key, experiment, code, name, 'default', 1, '', experiment || char(31) || 'default' || char(31) || '1'
  FROM event_keys;
  DROP TABLE event_keys;
  ALTER TABLE scoped_keys RENAME TO event_keys;
  CREATE VIEW event_rows AS
  SELECT e.seq, e.event_id, k.experiment, k.environment, k.phase,
         nullif(k.manifest_version, '') AS manifest_version, k.scope,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN 0 ELSE 1 END AS type,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN k.name END AS variant_id,
         CASE WHEN k.code <> ${CODE_EXPOSURE} THEN k.name END AS metric,
         CASE k.code WHEN ${CODE_BOOL} THEN 'bool' WHEN ${CODE_NUMERIC} THEN 'numeric' WHEN ${CODE_COUNT} THEN 'count' END AS kind,
         e.value, e.user_id, e.session_id, e.ts
  FROM events e JOIN event_keys k ON k.key = e.key;
  ${[
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
  ]
    .map(
      (table) => `UPDATE ${table} SET experiment = experiment || char(31) || 'default' || char(31) || '1';`,
    )
    .join("\n  ")}
  CREATE TABLE scoped_sticky (
    experiment  TEXT NOT NULL,
    environment TEXT NOT NULL,
    version     INTEGER NOT NULL,
    unit        TEXT NOT NULL,
    variant_id  TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (experiment, environment, version, unit)
  ) WITHOUT ROWID;
  INSERT INTO scoped_sticky
  SELECT experiment, 'default', version, unit, variant_id, assigned_at FROM sticky_assignments;
  DROP TABLE sticky_assignments;
  ALTER TABLE scoped_sticky RENAME TO sticky_assignments;
  CREATE INDEX sticky_assignments_by_time ON sticky_assignments (experiment, environment, version, assigned_at);
`;

/**
 * Per-unit rollups, and the per-variant totals kept from them: what makes a summary cost grow with variants,
 * metrics and days, not with units or events.
 *
 * The raw `events` table is append-only and SQLite's writers are serialized, so `seq` (the rowid) grows in commit order
 * and "every event after seq W" is exactly what a rollup has not seen yet. `refresh` folds the events past
 * the watermark into small tables, per unit-key mode ("u": user id, else session id; "s": session id):
 *
 * - `units`: each unit's first exposure (timestamp, then eventId) and its variant; a late exposure that
 *   happened earlier moves it back;
 * - `unit_metric_days`: per unit, metric and UTC day, the aggregate (bool: max, else sum) of the outcomes at or
 *   after the unit's first exposure;
 * - `pending_outcomes`: outcomes with no exposure at or before them yet; when an exposure arrives (or moves
 *   earlier) the ones it now covers move into `unit_metric_days`. Usually empty: exposures come first;
 * - `unit_variants`, `variant_days`, `metric_kinds`: exposures per unit and variant, per variant and day, and
 *   outcomes per metric and kind.
 *
 * Attributed outcomes stay attributed when a first exposure moves earlier (at or after the old time means at
 * or after the new one), so no rollup row is ever recomputed. A summary reads none of the per-unit tables:
 * it reads `variant_days`, `metric_kinds` and the per-variant running totals below (RUNNING_TOTALS, and
 * VARIANT_METRIC_DAYS for the daily series), which the fold keeps current from them, so its cost grows with
 * variants, metrics and days, not with units or events.
 */
export const ROLLUP_TABLES = `
  CREATE TABLE rollup_state (mode TEXT PRIMARY KEY, watermark INTEGER NOT NULL);
  CREATE TABLE units (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL,
    variant_id TEXT NOT NULL, first_ts INTEGER NOT NULL, first_event_id TEXT NOT NULL,
    PRIMARY KEY (experiment, mode, unit)
  ) WITHOUT ROWID;
  CREATE TABLE unit_variants (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL, variant_id TEXT NOT NULL,
    exposures INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, unit, variant_id)
  ) WITHOUT ROWID;
  CREATE TABLE variant_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, day INTEGER NOT NULL,
    exposures INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, day)
  ) WITHOUT ROWID;
  CREATE TABLE metric_kinds (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, metric TEXT NOT NULL, kind TEXT NOT NULL,
    outcomes INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, metric, kind)
  ) WITHOUT ROWID;
  CREATE TABLE unit_metric_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL, metric TEXT NOT NULL, day INTEGER NOT NULL,
    kind TEXT NOT NULL, value REAL NOT NULL, outcomes INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, unit, metric, day)
  ) WITHOUT ROWID;
  CREATE TABLE pending_outcomes (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL, metric TEXT NOT NULL,
    kind TEXT NOT NULL, value REAL NOT NULL, ts INTEGER NOT NULL
  );
  CREATE INDEX pending_by_unit ON pending_outcomes (experiment, mode, unit);
`;

/**
 * Running totals kept by the fold, so a summary reads rows per variant, not per unit: per variant and metric
 * the sum, sum of squares and count of the units' values (a fold takes out the old contribution of every unit
 * it touches and puts back the new one, under the unit's variant of each moment), units by variant and day of
 * first exposure, and units seen in several variants. Filled from the per-unit rollups when created.
 */
export const RUNNING_TOTALS = `
  CREATE TABLE variant_metrics (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    sum REAL NOT NULL, sum_squares REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric)
  ) WITHOUT ROWID;
  INSERT INTO variant_metrics
  SELECT t.experiment, t.mode, u.variant_id, t.metric, sum(t.v), sum(t.v * t.v), sum(t.c)
  FROM (
    SELECT experiment, mode, unit, metric,
           CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v, sum(outcomes) AS c
    FROM unit_metric_days GROUP BY experiment, mode, unit, metric
  ) t JOIN units u ON u.experiment = t.experiment AND u.mode = t.mode AND u.unit = t.unit
  GROUP BY t.experiment, t.mode, u.variant_id, t.metric;
  CREATE TABLE variant_first_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, day INTEGER NOT NULL,
    units INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, day)
  ) WITHOUT ROWID;
  INSERT INTO variant_first_days
  SELECT experiment, mode, variant_id, first_ts / 86400000, count(*) FROM units GROUP BY 1, 2, 3, 4;
  CREATE TABLE unit_counters (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, several INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode)
  ) WITHOUT ROWID;
  INSERT INTO unit_counters
  SELECT experiment, mode, count(*) FROM (
    SELECT experiment, mode, unit FROM unit_variants GROUP BY 1, 2, 3 HAVING count(*) > 1
  ) GROUP BY 1, 2;
`;

/**
 * The daily series kept by the fold: per variant, metric and UTC day, the change that day of the sum and of the
 * sum of squares of the units' cumulative values (`v_d - v_{d-1}`, `v_d^2 - v_{d-1}^2`, where `v_d` is the
 * unit's aggregate of its days up to d: bool max, else sum, and `v_{d-1}` the one at its previous active day)
 * and the outcomes counted that day: the rows `summaryFromRows` accumulates into the series. A fold takes out
 * the rows of every (unit, metric) it touches and puts back the new ones, under the unit's variant of each
 * moment, like `variant_metrics`; a row that loses all its units stays with `counted` 0 and is not read.
 * Filled from the per-unit rollups when created.
 */
export const VARIANT_METRIC_DAYS = `
  CREATE TABLE variant_metric_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    day INTEGER NOT NULL, sum REAL NOT NULL, sum_squares REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric, day)
  ) WITHOUT ROWID;
  INSERT INTO variant_metric_days
  SELECT d.experiment, d.mode, u.variant_id, d.metric, d.day, sum(d.cv - coalesce(d.pv, 0)),
         sum(d.cv * d.cv - coalesce(d.pv * d.pv, 0)), sum(d.c)
  FROM (${unitDayDeltas("unit_metric_days m")}) d
  JOIN units u ON u.experiment = d.experiment AND u.mode = d.mode AND u.unit = d.unit
  GROUP BY d.experiment, d.mode, u.variant_id, d.metric, d.day;
`;

/**
 * Version 6: the per-variant sums centred, so a variance survives a large mean (sd 0.01 around 1e6 is 1e-16 of
 * the mean's square: plain running sums of v and v² keep nothing of it, and a value the same for every unit came
 * out a hair off 0). Each `variant_metrics` row keeps a reference value `ref`, fixed when the row is made, the
 * units that have a value (`units`), and Σ(v − ref) and Σ(v − ref)² over them (`dsum`, `dsq`, each a
 * double-double with its `_lo` part, see exact-sums.ts); the units without a value count as 0, and
 * `statsFromCentred` of @assay/core turns these into n / sum / sum of squares / Σ(v − mean)². A value equal to
 * `ref` adds exactly 0, so a constant metric keeps a variance of exactly 0 however many units and folds it has.
 * `ref` is the value of largest magnitude among the units of the fold that makes the row: a unit's value grows
 * as its outcomes come in, so the largest is the likeliest to be a whole one rather than a first part. The
 * centring only has to be near the data: the further `ref` is from the mean against the sd, the more digits
 * the final Σ(v − ref)² − (Σ(v − ref))²/n loses (a `ref` 100 sd away costs four of sixteen). `variant_metric_days`
 * keeps the change per day of the same sums, centred on the row's `ref` (a unit's first active day adds it to
 * `units`). Both are rebuilt from the per-unit rollups.
 */
export const CENTRED_TOTALS = `
  DROP TABLE variant_metrics;
  CREATE TABLE variant_metrics (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    ref REAL NOT NULL, units INTEGER NOT NULL, dsum REAL NOT NULL, dsum_lo REAL NOT NULL,
    dsq REAL NOT NULL, dsq_lo REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric)
  ) WITHOUT ROWID;
  INSERT INTO variant_metrics
  SELECT experiment, mode, variant_id, metric, min(ref), count(*), ${exactSum("", "v - ref")},
         ${exactSum("", "(v - ref) * (v - ref)")}, sum(c)
  FROM (
    SELECT t.experiment, t.mode, u.variant_id, t.metric, t.v, t.c,
           first_value(t.v) OVER (PARTITION BY t.experiment, t.mode, u.variant_id, t.metric ORDER BY abs(t.v) DESC, t.v DESC) AS ref
    FROM (
      SELECT experiment, mode, unit, metric,
             CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v, sum(outcomes) AS c
      FROM unit_metric_days GROUP BY experiment, mode, unit, metric
    ) t JOIN units u ON u.experiment = t.experiment AND u.mode = t.mode AND u.unit = t.unit
  )
  GROUP BY experiment, mode, variant_id, metric;
  DROP TABLE variant_metric_days;
  CREATE TABLE variant_metric_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    day INTEGER NOT NULL, units INTEGER NOT NULL, dsum REAL NOT NULL, dsum_lo REAL NOT NULL,
    dsq REAL NOT NULL, dsq_lo REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric, day)
  ) WITHOUT ROWID;
  INSERT INTO variant_metric_days
  SELECT d.experiment, d.mode, u.variant_id, d.metric, d.day, ${centredDayDeltas("r.ref")}
  FROM (${unitDayDeltas("unit_metric_days m")}) d
  JOIN units u ON u.experiment = d.experiment AND u.mode = d.mode AND u.unit = d.unit
  JOIN variant_metrics r
    ON r.experiment = d.experiment AND r.mode = d.mode AND r.variant_id = u.variant_id AND r.metric = d.metric
  GROUP BY d.experiment, d.mode, u.variant_id, d.metric, d.day;
`;

/**
 * The aggregates of a day's deltas (rows of unitDayDeltas, `d`) centred on `ref`: units whose first active day
 * it is, the change of Σ(v − ref) and of Σ(v − ref)² (each as hi, lo: the new term and the old one taken out
 * are separate terms of one exact sum, so a unit's days telescope exactly), and the outcomes counted; with
 * `sign` "-" to take them out.
 */
function centredDayDeltas(ref: string, sign: "-" | "" = ""): string {
  return `${sign}sum(d.pv IS NULL), ${exactSum(sign, `d.cv - ${ref}`, `${ref} - d.pv`)},
    ${exactSum(sign, `(d.cv - ${ref}) * (d.cv - ${ref})`, `-((d.pv - ${ref}) * (d.pv - ${ref}))`)}, ${sign}sum(d.c)`;
}

/**
 * The rows of the daily series for one experiment and mode (parameters @experiment, @mode, and @metrics, a
 * JSON array, when `filtered`), as `SummaryRows["metrics"]`.
 */
export function dailyMetricsSql(filtered: boolean): string {
  return `SELECT d.metric, d.variant_id AS variantId, d.day, r.ref AS reference, d.units AS valuedUnits,
           d.dsum AS centredSum, d.dsum_lo AS centredSumLow, d.dsq AS centredSquares,
           d.dsq_lo AS centredSquaresLow, d.counted
    FROM variant_metric_days d
    JOIN variant_metrics r
      ON r.experiment = d.experiment AND r.mode = d.mode AND r.variant_id = d.variant_id AND r.metric = d.metric
    WHERE d.experiment = @experiment AND d.mode = @mode AND d.counted <> 0
    ${filtered ? "AND d.metric IN (SELECT value FROM json_each(@metrics))" : ""}`;
}

/**
 * The running totals for one experiment and mode, one row per variant and metric, as centred
 * `SummaryRows["metrics"]` (parameters as dailyMetricsSql's).
 */
export function totalMetricsSql(filtered: boolean): string {
  return `SELECT metric, variant_id AS variantId, 0 AS day, ref AS reference, units AS valuedUnits,
           dsum AS centredSum, dsum_lo AS centredSumLow, dsq AS centredSquares, dsq_lo AS centredSquaresLow,
           counted
    FROM variant_metrics WHERE experiment = @experiment AND mode = @mode
    ${filtered ? "AND metric IN (SELECT value FROM json_each(@metrics))" : ""}`;
}

/**
 * Per (unit, metric) and active day of the rows of `from` (`unit_metric_days m`, possibly joined): the unit's
 * cumulative value that day (cv), the one at its previous active day (pv, NULL on the first) and the outcomes
 * that day (c). One window pass with two frames (a second pass for `lag(cv)` cost a third more). The version 4
 * table (plain sums) takes pv as 0 there.
 */
function unitDayDeltas(from: string): string {
  return `SELECT m.experiment, m.mode, m.unit, m.metric, m.day, m.outcomes AS c,
           CASE WHEN m.kind = 'bool' THEN max(m.value) OVER upto ELSE sum(m.value) OVER upto END AS cv,
           CASE WHEN m.kind = 'bool' THEN max(m.value) OVER prior ELSE sum(m.value) OVER prior END AS pv
    FROM ${from}
    WINDOW upto AS (PARTITION BY m.experiment, m.mode, m.unit, m.metric ORDER BY m.day ROWS UNBOUNDED PRECEDING),
           prior AS (PARTITION BY m.experiment, m.mode, m.unit, m.metric ORDER BY m.day
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`;
}

export type UnitMode = "u" | "s";

const DAY_MS = 86_400_000;

/** SQL of a unit key over the `event_rows` columns, per mode. Prefixes keep a user id apart from a session id. */
export function unitExpression(mode: UnitMode): string {
  return mode === "s" ? "('s:' || session_id)" : "COALESCE('u:' || user_id, 's:' || session_id)";
}

const AGGREGATE = `ON CONFLICT (experiment, mode, unit, metric, day) DO UPDATE SET
  value = CASE WHEN unit_metric_days.kind = 'bool' THEN max(unit_metric_days.value, excluded.value)
               ELSE unit_metric_days.value + excluded.value END,
  outcomes = unit_metric_days.outcomes + excluded.outcomes`;

/** The statements of one refresh step for one mode, prepared once per connection. */
export class Rollup {
  private readonly steps: Array<{ statement: Database.Statement; ranged: boolean }>;
  private readonly getWatermark: Database.Statement;
  private readonly setWatermark: Database.Statement;
  private readonly maxSeq: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    readonly mode: UnitMode,
  ) {
    const U = unitExpression(mode);
    const range = "seq > @w AND seq <= @m";
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS nx_${mode} (
        experiment TEXT, unit TEXT, variant_id TEXT, ts INTEGER, event_id TEXT, dimensions TEXT,
        PRIMARY KEY (experiment, unit)
      ) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS no_${mode} (
        experiment TEXT, unit TEXT, metric TEXT, kind TEXT, value REAL, ts INTEGER
      );
      CREATE TEMP TABLE IF NOT EXISTS moved_${mode} (
        rid INTEGER, experiment TEXT, unit TEXT, metric TEXT, kind TEXT, value REAL, ts INTEGER
      );
      CREATE TEMP TABLE IF NOT EXISTS touched_${mode} (
        experiment TEXT, unit TEXT, metric TEXT, PRIMARY KEY (experiment, unit, metric)
      ) WITHOUT ROWID;
      ${derivedTempTables(mode)}`);
    const sql = [
      `DELETE FROM temp.nx_${mode}`,
      `DELETE FROM temp.no_${mode}`,
      `DELETE FROM temp.moved_${mode}`,
      // the earliest new exposure of each unit
      `INSERT INTO temp.nx_${mode}
       SELECT experiment, unit, variant_id, ts, event_id, dimensions FROM (
         SELECT scope AS experiment, ${U} AS unit, variant_id, ts, event_id, dimensions,
                row_number() OVER (PARTITION BY scope, ${U} ORDER BY ts, event_id) AS rn
         FROM event_rows WHERE ${range} AND type = 0 AND ${U} IS NOT NULL
       ) WHERE rn = 1`,
      // new outcomes
      `INSERT INTO temp.no_${mode}
       SELECT scope, ${U}, metric, kind, value, ts FROM event_rows WHERE ${range} AND type = 1`,
      // the (unit, metric) pairs this step can change: their contributions to the per-variant sums are taken
      // out before and put back after, with the unit's variant of each moment
      `DELETE FROM temp.touched_${mode}`,
      `INSERT OR IGNORE INTO temp.touched_${mode}
       SELECT experiment, unit, metric FROM temp.no_${mode} WHERE unit IS NOT NULL`,
      `INSERT OR IGNORE INTO temp.touched_${mode}
       SELECT m.experiment, m.unit, m.metric FROM temp.nx_${mode} n
       CROSS JOIN unit_metric_days m ON m.experiment = n.experiment AND m.mode = '${mode}' AND m.unit = n.unit`,
      `INSERT OR IGNORE INTO temp.touched_${mode}
       SELECT p.experiment, p.unit, p.metric FROM temp.nx_${mode} n
       CROSS JOIN pending_outcomes p ON p.experiment = n.experiment AND p.mode = '${mode}' AND p.unit = n.unit`,
      // a product's partner metrics and the derived metrics (derived.ts) of the touched pairs are touched too
      touchPartners(mode),
      ...touchDerived(mode),
      ...fillValues(mode),
      ...variantContributions(mode, "-"),
      ...sliceContributions(mode, "-", `temp.tv_${mode}`, `temp.nx_${mode}`),
      ...metricContributions(mode, "-", DERIVED_TABLE_NAMES),
      ...productContributions(mode, "-"),
      // first exposures: new units, or earlier than the known first (its dimensions move with its variant)
      `INSERT INTO units (experiment, mode, unit, variant_id, first_ts, first_event_id, dimensions)
       SELECT experiment, '${mode}', unit, variant_id, ts, event_id, dimensions FROM temp.nx_${mode} WHERE true
       ON CONFLICT (experiment, mode, unit) DO UPDATE SET
         variant_id = excluded.variant_id, first_ts = excluded.first_ts, first_event_id = excluded.first_event_id,
         dimensions = excluded.dimensions
       WHERE (excluded.first_ts, excluded.first_event_id) < (units.first_ts, units.first_event_id)`,
      `INSERT INTO unit_variants (experiment, mode, unit, variant_id, exposures)
       SELECT scope, '${mode}', ${U}, variant_id, count(*) FROM event_rows
       WHERE ${range} AND type = 0 AND ${U} IS NOT NULL GROUP BY scope, ${U}, variant_id
       ON CONFLICT (experiment, mode, unit, variant_id) DO UPDATE SET exposures = exposures + excluded.exposures`,
      `INSERT INTO variant_days (experiment, mode, variant_id, day, exposures)
       SELECT scope, '${mode}', variant_id, ts / ${DAY_MS}, count(*) FROM event_rows
       WHERE ${range} AND type = 0 AND ${U} IS NOT NULL GROUP BY scope, variant_id, ts / ${DAY_MS}
       ON CONFLICT (experiment, mode, variant_id, day) DO UPDATE SET exposures = exposures + excluded.exposures`,
      `INSERT INTO metric_kinds (experiment, mode, metric, kind, outcomes)
       SELECT experiment, '${mode}', metric, kind, count(*) FROM temp.no_${mode} WHERE true
       GROUP BY experiment, metric, kind
       ON CONFLICT (experiment, mode, metric, kind) DO UPDATE SET outcomes = outcomes + excluded.outcomes`,
      `INSERT INTO unit_metric_days (experiment, mode, unit, metric, day, kind, value, outcomes)
       SELECT o.experiment, '${mode}', o.unit, o.metric, o.ts / ${DAY_MS}, min(o.kind),
              CASE WHEN min(o.kind) = 'bool' THEN max(o.value) ELSE sum(o.value) END, count(*)
       FROM temp.no_${mode} o
       JOIN units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit AND o.ts >= u.first_ts
       WHERE true GROUP BY o.experiment, o.unit, o.metric, o.ts / ${DAY_MS}
       ${AGGREGATE}`,
      `INSERT INTO pending_outcomes (experiment, mode, unit, metric, kind, value, ts)
       SELECT o.experiment, '${mode}', o.unit, o.metric, o.kind, o.value, o.ts
       FROM temp.no_${mode} o
       LEFT JOIN units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit
       WHERE o.unit IS NOT NULL AND (u.unit IS NULL OR o.ts < u.first_ts)`,
      // earlier outcomes that a new (or earlier) first exposure now covers
      `INSERT INTO temp.moved_${mode}
       SELECT p.rowid, p.experiment, p.unit, p.metric, p.kind, p.value, p.ts
       FROM temp.nx_${mode} n
       CROSS JOIN pending_outcomes p ON p.experiment = n.experiment AND p.mode = '${mode}' AND p.unit = n.unit
       JOIN units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
       WHERE p.ts >= u.first_ts`,
      `INSERT INTO unit_metric_days (experiment, mode, unit, metric, day, kind, value, outcomes)
       SELECT experiment, '${mode}', unit, metric, ts / ${DAY_MS}, min(kind),
              CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END, count(*)
       FROM temp.moved_${mode} WHERE true GROUP BY experiment, unit, metric, ts / ${DAY_MS}
       ${AGGREGATE}`,
      `DELETE FROM pending_outcomes WHERE rowid IN (SELECT rid FROM temp.moved_${mode})`,
      ...rebuildDerived(mode),
      ...fillValues(mode),
      refreshUnitValues(mode),
      ...variantContributions(mode, ""),
      ...sliceContributions(mode, "", `temp.tv_${mode}`, `temp.nx_${mode}`),
      ...metricContributions(mode, "", DERIVED_TABLE_NAMES),
      ...productContributions(mode, ""),
    ];
    this.steps = sql.map((s) => ({ statement: db.prepare(s), ranged: s.includes("@w") }));
    this.getWatermark = db.prepare("SELECT watermark FROM rollup_state WHERE mode = ?").pluck();
    this.setWatermark = db.prepare(
      "INSERT INTO rollup_state (mode, watermark) VALUES (?, ?) ON CONFLICT (mode) DO UPDATE SET watermark = excluded.watermark",
    );
    this.maxSeq = db.prepare("SELECT coalesce(max(seq), 0) FROM events").pluck();
  }

  /** Events not folded into the rollups yet. */
  backlog(): number {
    return (this.maxSeq.get() as number) - ((this.getWatermark.get(this.mode) as number | undefined) ?? 0);
  }

  /**
   * Folds up to `limit` unseen events into the rollups, in one write transaction. Returns how many it took
   * (0 when up to date).
   */
  refresh(limit: number): number {
    return this.db
      .transaction(() => {
        const w = (this.getWatermark.get(this.mode) as number | undefined) ?? 0;
        const m = Math.min(this.maxSeq.get() as number, w + limit);
        if (m <= w) return 0;
        for (const { statement, ranged } of this.steps) {
          if (ranged) statement.run({ w, m });
          else statement.run();
        }
        this.setWatermark.run(this.mode, m);
        return m - w;
      })
      .immediate();
  }
}

/** The recorded metrics' per-unit rows and running totals. */
const RECORDED_TABLES: MetricTables = {
  touched: "touched",
  values: "tv",
  unitDays: "unit_metric_days",
  totals: "variant_metrics",
  days: "variant_metric_days",
};

/**
 * The touched (unit, metric) pairs' contributions to one set of running totals (`tables`: the recorded
 * metrics', or the derived ones of derived.ts): per variant the centred sums, and the daily deltas.
 */
export function metricContributions(mode: string, sign: "-" | "", t: MetricTables): string[] {
  return [
    // Centred on the row's ref; a row made now takes the value of largest magnitude among its units in this step.
    `INSERT INTO ${t.totals} (experiment, mode, variant_id, metric, ref, units, dsum, dsum_lo, dsq, dsq_lo, counted)
     SELECT experiment, '${mode}', variant_id, metric, min(ref), ${sign}count(*), ${exactSum(sign, "v - ref")},
            ${exactSum(sign, "(v - ref) * (v - ref)")}, ${sign}sum(c)
     FROM (
       SELECT t.experiment, u.variant_id, t.metric, t.v, t.c,
              coalesce(r.ref, first_value(t.v) OVER (PARTITION BY t.experiment, u.variant_id, t.metric ORDER BY abs(t.v) DESC, t.v DESC)) AS ref
       FROM temp.${t.values}_${mode} t
       CROSS JOIN units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
       LEFT JOIN ${t.totals} r ON r.experiment = t.experiment AND r.mode = '${mode}'
         AND r.variant_id = u.variant_id AND r.metric = t.metric
     )
     WHERE true GROUP BY experiment, variant_id, metric
     ON CONFLICT (experiment, mode, variant_id, metric) DO UPDATE SET
       units = ${t.totals}.units + excluded.units, ${addExact(t.totals, "dsum")},
       ${addExact(t.totals, "dsq")}, counted = ${t.totals}.counted + excluded.counted`,
    // after variant_metrics, so that a row made in this step has its ref
    `INSERT INTO ${t.days} (experiment, mode, variant_id, metric, day, units, dsum, dsum_lo, dsq, dsq_lo, counted)
     SELECT d.experiment, '${mode}', u.variant_id, d.metric, d.day, ${centredDayDeltas("r.ref", sign)}
     FROM (${unitDayDeltas(
       `temp.${t.touched}_${mode} a
        CROSS JOIN ${t.unitDays} m
          ON m.experiment = a.experiment AND m.mode = '${mode}' AND m.unit = a.unit AND m.metric = a.metric`,
     )}) d
     JOIN units u ON u.experiment = d.experiment AND u.mode = '${mode}' AND u.unit = d.unit
     JOIN ${t.totals} r ON r.experiment = d.experiment AND r.mode = '${mode}'
       AND r.variant_id = u.variant_id AND r.metric = d.metric
     WHERE true GROUP BY d.experiment, u.variant_id, d.metric, d.day
     ON CONFLICT (experiment, mode, variant_id, metric, day) DO UPDATE SET
       units = ${t.days}.units + excluded.units, ${addExact(t.days, "dsum")},
       ${addExact(t.days, "dsq")}, counted = ${t.days}.counted + excluded.counted`,
  ];
}

/**
 * The contributions of the touched units to the per-variant running totals (metric sums, their daily deltas,
 * first-exposure days, units seen in several variants): a fold subtracts them (sign "-") before it changes
 * those units and adds them back (sign "") after, each time with the unit's variant of that moment.
 */
function variantContributions(mode: string, sign: "-" | ""): string[] {
  return [
    ...metricContributions(mode, sign, RECORDED_TABLES),
    `INSERT INTO variant_first_days (experiment, mode, variant_id, day, units)
     SELECT u.experiment, '${mode}', u.variant_id, u.first_ts / ${DAY_MS}, ${sign}count(*)
     FROM temp.nx_${mode} n JOIN units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
     WHERE true GROUP BY u.experiment, u.variant_id, u.first_ts / ${DAY_MS}
     ON CONFLICT (experiment, mode, variant_id, day) DO UPDATE SET units = variant_first_days.units + excluded.units`,
    `INSERT INTO unit_counters (experiment, mode, several)
     SELECT experiment, '${mode}', ${sign}count(*) FROM (
       SELECT v.experiment, v.unit FROM temp.nx_${mode} n
       JOIN unit_variants v ON v.experiment = n.experiment AND v.mode = '${mode}' AND v.unit = n.unit
       GROUP BY v.experiment, v.unit HAVING count(*) > 1
     ) WHERE true GROUP BY experiment
     ON CONFLICT (experiment, mode) DO UPDATE SET several = unit_counters.several + excluded.several`,
  ];
}
