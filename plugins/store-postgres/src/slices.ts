import type { BreakdownRows, CentredMetricRow } from "@assay/core";
import type { PoolClient } from "pg";
import { exact } from "./fold.js";

/**
 * Breakdowns without a pass over units, the design of @assay/store-sqlite's slices.ts: per dimension a
 * breakdown asked for, the fold keeps per slice (the value the unit's first exposure carried; `has_value`
 * false and `slice` '' when it carried none) and variant the units and raw exposures (`slice_units`), and per
 * slice, variant and metric the centred exact sums of `variant_metrics` (`slice_metrics`), taking out and
 * putting back the touched units' contributions under their slice and variant of each moment.
 */
export function SLICE_TABLES(s: string): string {
  return `
    CREATE TABLE ${s}.breakdown_dimensions (
      experiment text NOT NULL, mode char(1) NOT NULL, dimension text NOT NULL,
      PRIMARY KEY (experiment, mode, dimension)
    );
    CREATE TABLE ${s}.slice_units (
      experiment text NOT NULL, mode char(1) NOT NULL, dimension text NOT NULL, has_value boolean NOT NULL,
      slice text NOT NULL, variant_id text NOT NULL, units bigint NOT NULL, exposures bigint NOT NULL,
      PRIMARY KEY (experiment, mode, dimension, has_value, slice, variant_id)
    );
    CREATE TABLE ${s}.slice_metrics (
      experiment text NOT NULL, mode char(1) NOT NULL, dimension text NOT NULL, has_value boolean NOT NULL,
      slice text NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      ref double precision NOT NULL, units bigint NOT NULL, dsum numeric NOT NULL, dsq numeric NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, dimension, has_value, slice, variant_id, metric)
    );`;
}

const SLICE_VALUE = "(u.dimensions::jsonb ->> d.dimension)";

/**
 * The slice totals' contributions of `values` (experiment, unit, metric, v, c: per-unit values) and `exposed` (experiment, unit), with
 * `sign` "-" to take them out; `only` restricts the dimensions (at registration).
 */
export function sliceContributions(
  s: string,
  mode: "u" | "s",
  sign: "-" | "",
  values: string,
  exposed: string,
  only = "",
): string[] {
  return [
    `INSERT INTO ${s}.slice_metrics (experiment, mode, dimension, has_value, slice, variant_id, metric, ref, units,
                                     dsum, dsq, counted)
     SELECT experiment, '${mode}', dimension, has_value, slice, variant_id, metric, min(ref), ${sign}count(*),
            ${sign}sum(${exact("v - ref")}), ${sign}sum(${exact("v - ref")} * ${exact("v - ref")}), ${sign}sum(c)
     FROM (
       SELECT t.*, coalesce(r.ref, first_value(t.v) OVER (
                PARTITION BY t.experiment, t.dimension, t.has_value, t.slice, t.variant_id, t.metric
                ORDER BY abs(t.v) DESC, t.v DESC)) AS ref
       FROM (
         SELECT a.experiment, d.dimension, ${SLICE_VALUE} IS NOT NULL AS has_value,
                coalesce(${SLICE_VALUE}, '') AS slice, u.variant_id, a.metric, a.v, a.c
         FROM ${values} a
         JOIN ${s}.units u ON u.experiment = a.experiment AND u.mode = '${mode}' AND u.unit = a.unit
         JOIN ${s}.breakdown_dimensions d ON d.experiment = a.experiment AND d.mode = '${mode}' ${only}
       ) t
       LEFT JOIN ${s}.slice_metrics r ON r.experiment = t.experiment AND r.mode = '${mode}'
         AND r.dimension = t.dimension AND r.has_value = t.has_value AND r.slice = t.slice
         AND r.variant_id = t.variant_id AND r.metric = t.metric
     ) c
     GROUP BY experiment, dimension, has_value, slice, variant_id, metric
     ON CONFLICT (experiment, mode, dimension, has_value, slice, variant_id, metric) DO UPDATE SET
       units = ${s}.slice_metrics.units + excluded.units, dsum = ${s}.slice_metrics.dsum + excluded.dsum,
       dsq = ${s}.slice_metrics.dsq + excluded.dsq, counted = ${s}.slice_metrics.counted + excluded.counted`,
    `INSERT INTO ${s}.slice_units (experiment, mode, dimension, has_value, slice, variant_id, units, exposures)
     SELECT experiment, '${mode}', dimension, has_value, slice, variant_id,
            ${sign}count(*) FILTER (WHERE first), ${sign}sum(exposures)
     FROM (
       SELECT n.experiment, d.dimension, ${SLICE_VALUE} IS NOT NULL AS has_value,
              coalesce(${SLICE_VALUE}, '') AS slice, v.variant_id, v.variant_id = u.variant_id AS first, v.exposures
       FROM (SELECT DISTINCT experiment, unit FROM ${exposed}) n
       JOIN ${s}.units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
       JOIN ${s}.unit_variants v ON v.experiment = n.experiment AND v.mode = '${mode}' AND v.unit = n.unit
       JOIN ${s}.breakdown_dimensions d ON d.experiment = n.experiment AND d.mode = '${mode}' ${only}
     ) x
     GROUP BY experiment, dimension, has_value, slice, variant_id
     ON CONFLICT (experiment, mode, dimension, has_value, slice, variant_id) DO UPDATE SET
       units = ${s}.slice_units.units + excluded.units, exposures = ${s}.slice_units.exposures + excluded.exposures`,
  ];
}

/** Registers `dimension` and fills its slices from the per-unit rollups, inside a fold's transaction. */
export async function buildSlices(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  dimension: string,
): Promise<void> {
  const inserted = await client.query(
    `INSERT INTO ${s}.breakdown_dimensions (experiment, mode, dimension) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [experiment, mode, dimension],
  );
  if (inserted.rowCount === 0) return; // another instance built it first
  await client.query(
    `CREATE TEMP TABLE slice_pairs ON COMMIT DROP AS
     SELECT experiment, unit, metric, CASE WHEN min(kind) = 'bool' THEN max(value) ELSE sum(value) END AS v,
            sum(outcomes) AS c
     FROM ${s}.unit_metric_days WHERE experiment = $1 AND mode = $2 GROUP BY experiment, unit, metric`,
    [experiment, mode],
  );
  await client.query(
    `CREATE TEMP TABLE slice_units_all ON COMMIT DROP AS SELECT experiment, unit FROM ${s}.units
     WHERE experiment = $1 AND mode = $2`,
    [experiment, mode],
  );
  for (const sql of sliceContributions(s, mode, "", "slice_pairs", "slice_units_all", "AND d.dimension = $1"))
    await client.query(sql, [dimension]);
  await client.query("DROP TABLE slice_pairs");
  await client.query("DROP TABLE slice_units_all");
}

/** Whether breakdowns by `dimension` are kept for this scope and mode. */
export async function hasSlices(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  dimension: string,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM ${s}.breakdown_dimensions WHERE experiment = $1 AND mode = $2 AND dimension = $3`,
    [experiment, mode, dimension],
  );
  return (rowCount ?? 0) > 0;
}

/** A breakdown's rows from the slice totals: rows per slice, variant and metric. */
export async function readSliceRows(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  dimension: string,
  metrics: readonly string[] | undefined,
): Promise<BreakdownRows> {
  const units = await client.query<BreakdownRows["units"][number]>(
    `SELECT CASE WHEN has_value THEN slice END AS value, variant_id AS "variantId", units::int AS units,
            exposures::int AS exposures
     FROM ${s}.slice_units WHERE experiment = $1 AND mode = $2 AND dimension = $3
       AND (units <> 0 OR exposures <> 0)`,
    [experiment, mode, dimension],
  );
  const totals = await client.query<{ value: string | null } & CentredMetricRow>(
    `SELECT CASE WHEN has_value THEN slice END AS value, variant_id AS "variantId", metric, 0 AS day,
            ref AS reference, units::int AS "valuedUnits", dsum::float8 AS "centredSum",
            (dsum - dsum::float8::numeric)::float8 AS "centredSumLow", dsq::float8 AS "centredSquares",
            (dsq - dsq::float8::numeric)::float8 AS "centredSquaresLow", counted::int AS counted
     FROM ${s}.slice_metrics WHERE experiment = $1 AND mode = $2 AND dimension = $3 AND units <> 0
       ${metrics === undefined ? "" : "AND metric = ANY($4::text[])"}`,
    metrics === undefined ? [experiment, mode, dimension] : [experiment, mode, dimension, metrics],
  );
  return { units: units.rows, values: [], totals: totals.rows };
}
