import type { PoolClient } from "pg";
import {
  createValues,
  DERIVED_TABLE_NAMES,
  fillValues,
  productContributions,
  rebuildDerived,
  refreshUnitValues,
  touchDerived,
  touchPartners,
} from "./derived.js";
import { sliceContributions } from "./slices.js";

/**
 * Per-unit rollups in PostgreSQL, the same design as @assay/store-sqlite's (see its rollups.ts), for both unit
 * modes ("u": user id, else session id; "s": session id):
 *
 * - `units`: each unit's first exposure (timestamp, then eventId) and its variant;
 * - `unit_metric_days`: per unit, metric and UTC day, the aggregate (bool: max, else sum) of the outcomes at
 *   or after the first exposure;
 * - `pending_outcomes`: outcomes no exposure covers yet; moved into `unit_metric_days` once one does;
 * - `unit_variants`, `variant_days`, `metric_kinds`: exposure and outcome counters;
 * - running totals, so a summary reads rows per variant, never per unit: `variant_metrics` (per variant and
 *   metric the units that have a value, and Σ(v − ref) and Σ(v − ref)² over them as exact numerics, centred on
 *   the row's reference value `ref`, and the outcomes counted; a fold takes out the old contribution of every
 *   unit and metric it touches and puts back the new one, under the unit's variant of each moment; see
 *   CENTRED_TOTALS in schema.ts for why), `variant_metric_days` (the daily series: per variant, metric and day
 *   the change that day of the same sums over the units' cumulative values, and the outcomes counted that day;
 *   kept the same way, and a row left with `counted` 0 by a unit changing variant is not read), `variant_first_days` (units by variant and
 *   day of first exposure) and `unit_counters` (units seen in several variants). So a summary costs rows per
 *   variant, metric and day, whatever the number of units and events.
 *
 * Which events are new: every row carries the id of the transaction that wrote it (`xid`, a 64-bit xid8 that
 * never wraps). Every transaction below the `watermark` is folded; a fold takes the rows it can see with
 * `xid >= watermark` whose transaction is not in `folded_xids`, then moves the watermark to the `xmin` its
 * snapshot had before it looked (every transaction below it had finished, so all their rows were seen), and
 * remembers the transactions at or above it that it folded. So rows are folded once, whatever order instances
 * commit in, and a long-running transaction elsewhere holds nothing back. Folds are serialized by an advisory
 * lock.
 */

const DAY_MS = 86_400_000;

/**
 * A centred term as an exact numeric: its 15-digit decimal, the same for the same double, so a term added by
 * one fold and taken out by a later one cancels exactly in the numeric running totals (in doubles the rounding
 * of large terms, a unit's first part far from the data, stayed behind and could exceed the variance itself).
 */
export function exact(term: string): string {
  return `(${term})::numeric`;
}

/**
 * The aggregates of a day's deltas (rows with cv, pv as above, `d`) centred on `ref`: units whose first active
 * day it is, the change of Σ(v − ref) and of Σ(v − ref)² (exact: a unit's days telescope), and the outcomes
 * counted; with `sign` "-" to take them out.
 */
export function centredDayDeltas(ref: string, sign: "-" | "" = ""): string {
  const now = exact(`d.cv - ${ref}`);
  const before = exact(`d.pv - ${ref}`);
  return `${sign}count(*) FILTER (WHERE d.pv IS NULL), ${sign}sum(${now} - coalesce(${before}, 0)),
    ${sign}sum(${now} * ${now} - coalesce(${before} * ${before}, 0)), ${sign}sum(d.c)`;
}

function unitExpression(mode: "u" | "s"): string {
  return mode === "s" ? "('s:' || session_id)" : "COALESCE('u:' || user_id, 's:' || session_id)";
}

function aggregate(s: string): string {
  return `ON CONFLICT (experiment, mode, unit, metric, day) DO UPDATE SET
    value = CASE WHEN ${s}.unit_metric_days.kind = 'bool' THEN greatest(${s}.unit_metric_days.value, excluded.value)
                 ELSE ${s}.unit_metric_days.value + excluded.value END,
    outcomes = ${s}.unit_metric_days.outcomes + excluded.outcomes`;
}

/**
 * Events in one fold from which it refreshes the planner's statistics as it goes. A large fold (a catch-up)
 * fills tables that had a few rows when last analyzed, and a plan made from those numbers nests a scan of the
 * whole table inside a loop over the batch (measured: a breakdown's slice step of a 200k-event fold ran past
 * the 120 s statement timeout). ANALYZE samples at most 30,000 rows a table, so it costs little against such a
 * fold, and it counts the fold's own uncommitted rows.
 */
const ANALYZE_FROM = 200_000;

function analyzeSteps(s: string, temps: readonly string[]): string[] {
  const tables = [
    "units",
    "unit_variants",
    "unit_metric_days",
    "pending_outcomes",
    "window_outcomes",
    "derived_unit_days",
  ];
  return [`ANALYZE ${[...tables.map((t) => `${s}.${t}`), ...temps].join(", ")}`];
}

function modeSteps(s: string, mode: "u" | "s", large: boolean): string[] {
  const analyze = (temps: readonly string[]) => (large ? analyzeSteps(s, temps) : []);
  const U = unitExpression(mode);
  return [
    `CREATE TEMP TABLE new_exposures ON COMMIT DROP AS
     SELECT DISTINCT ON (experiment, unit) experiment, unit, variant_id, ts, event_id, dimensions FROM (
       SELECT experiment, ${U} AS unit, variant_id, ts, event_id COLLATE "C" AS event_id, dimensions FROM fold_batch
       WHERE type = 0 AND ${U} IS NOT NULL
     ) x ORDER BY experiment, unit, ts, event_id`,
    `CREATE TEMP TABLE new_outcomes ON COMMIT DROP AS
     SELECT experiment, ${U} AS unit, metric, kind, value, ts FROM fold_batch WHERE type = 1`,
    `CREATE TEMP TABLE touched ON COMMIT DROP AS
     SELECT experiment, unit, metric FROM new_outcomes WHERE unit IS NOT NULL
     UNION
     SELECT m.experiment, m.unit, m.metric FROM new_exposures n
     JOIN ${s}.unit_metric_days m ON m.experiment = n.experiment AND m.mode = '${mode}' AND m.unit = n.unit
     UNION
     SELECT p.experiment, p.unit, p.metric FROM new_exposures n
     JOIN ${s}.pending_outcomes p ON p.experiment = n.experiment AND p.mode = '${mode}' AND p.unit = n.unit`,
    // a product's partner metrics and the derived metrics (derived.ts) of the touched pairs are touched too
    touchPartners(s, mode),
    touchDerived(s, mode),
    ...createValues(),
    ...analyze(["new_exposures", "new_outcomes", "touched", "touched_derived", "tv", "tvd"]),
    ...fillValues(s, mode),
    ...variantContributions(s, mode, "-"),
    ...sliceContributions(s, mode, "-", "tv", "new_exposures"),
    ...metricContributions(s, mode, "-", DERIVED_TABLE_NAMES),
    ...productContributions(s, mode, "-"),
    // first exposures: new units, or earlier than the known first (its dimensions move with its variant)
    `INSERT INTO ${s}.units (experiment, mode, unit, variant_id, first_ts, first_event_id, dimensions)
     SELECT experiment, '${mode}', unit, variant_id, ts, event_id, dimensions FROM new_exposures
     ON CONFLICT (experiment, mode, unit) DO UPDATE SET
       variant_id = excluded.variant_id, first_ts = excluded.first_ts, first_event_id = excluded.first_event_id,
       dimensions = excluded.dimensions
     WHERE (excluded.first_ts, excluded.first_event_id) < (${s}.units.first_ts, ${s}.units.first_event_id)`,
    `INSERT INTO ${s}.unit_variants (experiment, mode, unit, variant_id, exposures)
     SELECT experiment, '${mode}', ${U}, variant_id, count(*) FROM fold_batch
     WHERE type = 0 AND ${U} IS NOT NULL GROUP BY experiment, ${U}, variant_id
     ON CONFLICT (experiment, mode, unit, variant_id) DO UPDATE SET
       exposures = ${s}.unit_variants.exposures + excluded.exposures`,
    `INSERT INTO ${s}.variant_days (experiment, mode, variant_id, day, exposures)
     SELECT experiment, '${mode}', variant_id, (ts / ${DAY_MS})::int, count(*) FROM fold_batch
     WHERE type = 0 AND ${U} IS NOT NULL GROUP BY experiment, variant_id, (ts / ${DAY_MS})::int
     ON CONFLICT (experiment, mode, variant_id, day) DO UPDATE SET
       exposures = ${s}.variant_days.exposures + excluded.exposures`,
    `INSERT INTO ${s}.metric_kinds (experiment, mode, metric, kind, outcomes)
     SELECT experiment, '${mode}', metric, kind, count(*) FROM new_outcomes GROUP BY experiment, metric, kind
     ON CONFLICT (experiment, mode, metric, kind) DO UPDATE SET
       outcomes = ${s}.metric_kinds.outcomes + excluded.outcomes`,
    `INSERT INTO ${s}.unit_metric_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT o.experiment, '${mode}', o.unit, o.metric, (o.ts / ${DAY_MS})::int, min(o.kind),
            CASE WHEN min(o.kind) = 'bool' THEN max(o.value) ELSE sum(o.value) END, count(*)
     FROM new_outcomes o
     JOIN ${s}.units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit AND o.ts >= u.first_ts
     GROUP BY o.experiment, o.unit, o.metric, (o.ts / ${DAY_MS})::int
     ${aggregate(s)}`,
    `INSERT INTO ${s}.pending_outcomes (experiment, mode, unit, metric, kind, value, ts)
     SELECT o.experiment, '${mode}', o.unit, o.metric, o.kind, o.value, o.ts FROM new_outcomes o
     LEFT JOIN ${s}.units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit
     WHERE o.unit IS NOT NULL AND (u.unit IS NULL OR o.ts < u.first_ts)`,
    `CREATE TEMP TABLE moved ON COMMIT DROP AS
     SELECT p.id, p.experiment, p.unit, p.metric, p.kind, p.value, p.ts
     FROM new_exposures n
     JOIN ${s}.pending_outcomes p ON p.experiment = n.experiment AND p.mode = '${mode}' AND p.unit = n.unit
     JOIN ${s}.units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
     WHERE p.ts >= u.first_ts`,
    `INSERT INTO ${s}.unit_metric_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT experiment, '${mode}', unit, metric, (ts / ${DAY_MS})::int, min(kind),
            CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END, count(*)
     FROM moved GROUP BY experiment, unit, metric, (ts / ${DAY_MS})::int
     ${aggregate(s)}`,
    `DELETE FROM ${s}.pending_outcomes WHERE id IN (SELECT id FROM moved)`,
    ...rebuildDerived(s, mode),
    ...fillValues(s, mode),
    refreshUnitValues(s, mode),
    ...analyze(["moved", "tv", "tvd"]),
    ...variantContributions(s, mode, ""),
    ...sliceContributions(s, mode, "", "tv", "new_exposures"),
    ...metricContributions(s, mode, "", DERIVED_TABLE_NAMES),
    ...productContributions(s, mode, ""),
    "DROP TABLE new_exposures",
    "DROP TABLE new_outcomes",
    "DROP TABLE moved",
    "DROP TABLE touched",
    "DROP TABLE touched_derived",
    "DROP TABLE tv",
    "DROP TABLE tvd",
  ];
}

/**
 * Folds every row committed since the last fold into the rollups, in one transaction. With `wait` false it
 * gives up at once when another fold holds the lock. Returns how many events it folded.
 */
export async function fold(
  client: PoolClient,
  schema: string,
  wait: boolean,
  afterFold?: (client: PoolClient) => Promise<void>,
): Promise<number> {
  await client.query("BEGIN");
  try {
    const { rows } = await client.query<{ locked: boolean | null }>(
      wait
        ? "SELECT true AS locked, pg_advisory_xact_lock(hashtext($1))"
        : "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
      [`assay-fold:${schema}`],
    );
    if (!wait && rows[0]?.locked !== true) {
      await client.query("ROLLBACK");
      return 0;
    }
    const bounds = await client.query<{ lower: string; upper: string }>(
      `SELECT watermark::text AS lower, pg_snapshot_xmin(pg_current_snapshot())::text AS upper
       FROM ${schema}.fold_state WHERE id = 1`,
    );
    const { lower, upper } = bounds.rows[0]!;
    // The new rows are the few at the top of the xid index; without statistics on xid the planner may guess a
    // large share of the table and scan all of it.
    await client.query("SET LOCAL enable_seqscan = off");
    // The rollups are kept per analysis scope (see SCOPES in schema.ts): the batch's experiment is the scope.
    const taken = await client.query(
      `CREATE TEMP TABLE fold_batch ON COMMIT DROP AS
       SELECT e.event_id, e.experiment || chr(31) || e.environment || chr(31) || e.phase AS experiment, e.type,
              e.variant_id, e.metric, e.kind, e.value, e.user_id, e.session_id, e.ts, e.xid,
              e.experiment AS base_experiment, e.environment, e.phase, e.manifest_version, e.dimensions
       FROM ${schema}.events e
       WHERE e.xid >= $1::xid8 AND NOT EXISTS (SELECT 1 FROM ${schema}.folded_xids f WHERE f.xid = e.xid)`,
      [lower],
    );
    await client.query("SET LOCAL enable_seqscan = on");
    const n = taken.rowCount ?? 0;
    if (n > 0) {
      await client.query(
        `INSERT INTO ${schema}.scopes (experiment, environment, phase, manifest_version)
         SELECT DISTINCT base_experiment, environment, phase, coalesce(manifest_version, '') FROM fold_batch
         WHERE type = 0 ON CONFLICT DO NOTHING`,
      );
      for (const mode of ["u", "s"] as const)
        for (const sql of modeSteps(schema, mode, n >= ANALYZE_FROM)) await client.query(sql);
    }
    await client.query(
      `INSERT INTO ${schema}.folded_xids SELECT DISTINCT xid FROM fold_batch WHERE xid >= $1::xid8
       ON CONFLICT DO NOTHING`,
      [upper],
    );
    await client.query(`DELETE FROM ${schema}.folded_xids WHERE xid < $1::xid8`, [upper]);
    await client.query(`UPDATE ${schema}.fold_state SET watermark = $1::xid8 WHERE id = 1`, [upper]);
    // under the fold's lock, with every folded event below the watermark or in folded_xids (derived.ts)
    if (afterFold !== undefined) await afterFold(client);
    await client.query("COMMIT");
    return n;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** The tables one set of per-unit rows and its running totals live in (recorded metrics, or derived.ts's). */
export interface MetricTables {
  readonly touched: string;
  /** The touched pairs' per-unit values of this half of the fold (derived.ts's fillValues). */
  readonly values: string;
  readonly unitDays: string;
  readonly totals: string;
  readonly days: string;
}

const RECORDED_TABLES: MetricTables = {
  touched: "touched",
  values: "tv",
  unitDays: "unit_metric_days",
  totals: "variant_metrics",
  days: "variant_metric_days",
};

/**
 * The touched (unit, metric) pairs' contributions to one set of running totals (`t`): per variant the
 * centred sums, and the daily deltas.
 */
export function metricContributions(s: string, mode: string, sign: "-" | "", t: MetricTables): string[] {
  return [
    // Centred on the row's ref (see CENTRED_TOTALS in schema.ts); a row made now takes the value of largest
    // magnitude among its units in this step.
    `INSERT INTO ${s}.${t.totals} (experiment, mode, variant_id, metric, ref, units, dsum, dsq, counted)
     SELECT experiment, '${mode}', variant_id, metric, min(ref), ${sign}count(*), ${sign}sum(${exact("v - ref")}),
            ${sign}sum(${exact("v - ref")} * ${exact("v - ref")}), ${sign}sum(c)
     FROM (
       SELECT t.experiment, u.variant_id, t.metric, t.v, t.c,
              coalesce(r.ref, first_value(t.v) OVER (
                PARTITION BY t.experiment, u.variant_id, t.metric ORDER BY abs(t.v) DESC, t.v DESC)) AS ref
       FROM ${t.values} t
       JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
       LEFT JOIN ${s}.${t.totals} r ON r.experiment = t.experiment AND r.mode = '${mode}'
         AND r.variant_id = u.variant_id AND r.metric = t.metric
     ) c
     GROUP BY experiment, variant_id, metric
     ON CONFLICT (experiment, mode, variant_id, metric) DO UPDATE SET
       units = ${s}.${t.totals}.units + excluded.units, dsum = ${s}.${t.totals}.dsum + excluded.dsum,
       dsq = ${s}.${t.totals}.dsq + excluded.dsq, counted = ${s}.${t.totals}.counted + excluded.counted`,
    // after variant_metrics, so that a row made in this step has its ref; per (unit, metric) and active day its
    // cumulative value (cv) and the one at its previous active day (pv, NULL on the first)
    `INSERT INTO ${s}.${t.days} (experiment, mode, variant_id, metric, day, units, dsum, dsq, counted)
     SELECT d.experiment, '${mode}', u.variant_id, d.metric, d.day, ${centredDayDeltas("r.ref", sign)}
     FROM (
       SELECT experiment, unit, metric, day, c, cv,
              lag(cv) OVER (PARTITION BY experiment, unit, metric ORDER BY day) AS pv
       FROM (
         SELECT m.experiment, m.unit, m.metric, m.day, m.outcomes AS c,
                CASE WHEN m.kind = 'bool' THEN max(m.value) OVER w ELSE sum(m.value) OVER w END AS cv
         FROM ${t.touched} a
         JOIN ${s}.${t.unitDays} m
           ON m.experiment = a.experiment AND m.mode = '${mode}' AND m.unit = a.unit AND m.metric = a.metric
         WINDOW w AS (PARTITION BY m.experiment, m.unit, m.metric ORDER BY m.day)
       ) cum
     ) d
     JOIN ${s}.units u ON u.experiment = d.experiment AND u.mode = '${mode}' AND u.unit = d.unit
     JOIN ${s}.${t.totals} r ON r.experiment = d.experiment AND r.mode = '${mode}'
       AND r.variant_id = u.variant_id AND r.metric = d.metric
     GROUP BY d.experiment, u.variant_id, d.metric, d.day
     ON CONFLICT (experiment, mode, variant_id, metric, day) DO UPDATE SET
       units = ${s}.${t.days}.units + excluded.units,
       dsum = ${s}.${t.days}.dsum + excluded.dsum, dsq = ${s}.${t.days}.dsq + excluded.dsq,
       counted = ${s}.${t.days}.counted + excluded.counted`,
  ];
}

/**
 * The contributions of the touched units to the per-variant running totals (metric sums, their daily deltas,
 * first-exposure days, units seen in several variants): a fold subtracts them (sign "-") before it changes those units and adds
 * them back (sign "") after, each time with the unit's variant of that moment.
 */
function variantContributions(s: string, mode: string, sign: "-" | ""): string[] {
  return [
    ...metricContributions(s, mode, sign, RECORDED_TABLES),
    `INSERT INTO ${s}.variant_first_days (experiment, mode, variant_id, day, units)
     SELECT u.experiment, '${mode}', u.variant_id, (u.first_ts / ${DAY_MS})::int, ${sign}count(*)
     FROM new_exposures n JOIN ${s}.units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
     GROUP BY u.experiment, u.variant_id, (u.first_ts / ${DAY_MS})::int
     ON CONFLICT (experiment, mode, variant_id, day) DO UPDATE SET
       units = ${s}.variant_first_days.units + excluded.units`,
    `INSERT INTO ${s}.unit_counters (experiment, mode, several)
     SELECT experiment, '${mode}', ${sign}count(*) FROM (
       SELECT v.experiment, v.unit FROM new_exposures n
       JOIN ${s}.unit_variants v ON v.experiment = n.experiment AND v.mode = '${mode}' AND v.unit = n.unit
       GROUP BY v.experiment, v.unit HAVING count(*) > 1
     ) t GROUP BY experiment
     ON CONFLICT (experiment, mode) DO UPDATE SET several = ${s}.unit_counters.several + excluded.several`,
  ];
}
