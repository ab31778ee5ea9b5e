import type { BreakdownRows } from "@assay/core";
import type Database from "better-sqlite3";
import { fillValues } from "./derived.js";
import { addExact, exactSum } from "./exact-sums.js";
import type { UnitMode } from "./rollups.js";

/**
 * Breakdowns without a pass over units: per dimension a summary has cut by, the fold keeps the slices' running
 * totals, as it keeps the variants' (the slice of a unit is the value its first exposure carried; `has_value`
 * 0 and `slice` '' for units whose first exposure did not carry the dimension):
 *
 * - `slice_units`: per slice and variant, the units whose first exposure was to it, and the raw exposures of
 *   the slice's units to it;
 * - `slice_metrics`: per slice, variant and metric the centred double-double sums of `variant_metrics`.
 *
 * A fold takes out the contributions of the units and metrics it touches and puts them back after, under each
 * unit's slice and variant of that moment (a late exposure that happened earlier moves both). The first
 * breakdown by a dimension registers it and fills its rows from the per-unit rollups, once.
 */
export const SLICE_TABLES = `
  CREATE TABLE breakdown_dimensions (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, dimension TEXT NOT NULL,
    PRIMARY KEY (experiment, mode, dimension)
  ) WITHOUT ROWID;
  CREATE TABLE slice_units (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, dimension TEXT NOT NULL, has_value INTEGER NOT NULL,
    slice TEXT NOT NULL, variant_id TEXT NOT NULL, units INTEGER NOT NULL, exposures INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, dimension, has_value, slice, variant_id)
  ) WITHOUT ROWID;
  CREATE TABLE slice_metrics (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, dimension TEXT NOT NULL, has_value INTEGER NOT NULL,
    slice TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    ref REAL NOT NULL, units INTEGER NOT NULL, dsum REAL NOT NULL, dsum_lo REAL NOT NULL,
    dsq REAL NOT NULL, dsq_lo REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, dimension, has_value, slice, variant_id, metric)
  ) WITHOUT ROWID;
`;

/** The unit's value of the dimension `d.dimension` (a name without quotes or dots: a JSON path key as it is). */
const SLICE_VALUE = `json_extract(u.dimensions, '$."' || d.dimension || '"')`;

/**
 * The slice totals' contributions of `values` (a table of experiment, unit, metric, v, c: the per-unit values
 * of the fold's touched pairs, or of every pair at registration) and of `exposed` (experiment, unit: units whose exposures change), with
 * `sign` "-" to take them out; `only` restricts the dimensions (parameter @dimension at registration).
 */
export function sliceContributions(
  mode: UnitMode,
  sign: "-" | "",
  values: string,
  exposed: string,
  only = "",
): string[] {
  return [
    `INSERT INTO slice_metrics (experiment, mode, dimension, has_value, slice, variant_id, metric, ref, units,
                                dsum, dsum_lo, dsq, dsq_lo, counted)
     SELECT experiment, '${mode}', dimension, has_value, slice, variant_id, metric, min(ref), ${sign}count(*),
            ${exactSum(sign, "v - ref")}, ${exactSum(sign, "(v - ref) * (v - ref)")}, ${sign}sum(c)
     FROM (
       SELECT t.experiment, t.dimension, t.has_value, t.slice, t.variant_id, t.metric, t.v, t.c,
              coalesce(r.ref, first_value(t.v) OVER (
                PARTITION BY t.experiment, t.dimension, t.has_value, t.slice, t.variant_id, t.metric
                ORDER BY abs(t.v) DESC, t.v DESC)) AS ref
       FROM (
         SELECT a.experiment, d.dimension, ${SLICE_VALUE} IS NOT NULL AS has_value,
                coalesce(${SLICE_VALUE}, '') AS slice, u.variant_id, a.metric, a.v, a.c
         FROM ${values} a
         CROSS JOIN units u ON u.experiment = a.experiment AND u.mode = '${mode}' AND u.unit = a.unit
         CROSS JOIN breakdown_dimensions d ON d.experiment = a.experiment AND d.mode = '${mode}' ${only}
       ) t
       LEFT JOIN slice_metrics r ON r.experiment = t.experiment AND r.mode = '${mode}'
         AND r.dimension = t.dimension AND r.has_value = t.has_value AND r.slice = t.slice
         AND r.variant_id = t.variant_id AND r.metric = t.metric
     )
     WHERE true GROUP BY experiment, dimension, has_value, slice, variant_id, metric
     ON CONFLICT (experiment, mode, dimension, has_value, slice, variant_id, metric) DO UPDATE SET
       units = slice_metrics.units + excluded.units, ${addExact("slice_metrics", "dsum")},
       ${addExact("slice_metrics", "dsq")}, counted = slice_metrics.counted + excluded.counted`,
    `INSERT INTO slice_units (experiment, mode, dimension, has_value, slice, variant_id, units, exposures)
     SELECT experiment, '${mode}', dimension, has_value, slice, variant_id, ${sign}sum(first), ${sign}sum(exposures)
     FROM (
       SELECT n.experiment, d.dimension, ${SLICE_VALUE} IS NOT NULL AS has_value,
              coalesce(${SLICE_VALUE}, '') AS slice, v.variant_id, v.variant_id = u.variant_id AS first, v.exposures
       FROM ${exposed} n
       CROSS JOIN units u ON u.experiment = n.experiment AND u.mode = '${mode}' AND u.unit = n.unit
       CROSS JOIN unit_variants v ON v.experiment = n.experiment AND v.mode = '${mode}' AND v.unit = n.unit
       CROSS JOIN breakdown_dimensions d ON d.experiment = n.experiment AND d.mode = '${mode}' ${only}
     )
     WHERE true GROUP BY experiment, dimension, has_value, slice, variant_id
     ON CONFLICT (experiment, mode, dimension, has_value, slice, variant_id) DO UPDATE SET
       units = slice_units.units + excluded.units, exposures = slice_units.exposures + excluded.exposures`,
  ];
}

/**
 * Registers `dimension` for breakdowns of this scope and mode and fills its slices from the per-unit rollups
 * (once). Run in a write transaction with the mode's rollups current.
 */
export function ensureSlices(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  dimension: string,
): void {
  const known = db
    .prepare("SELECT 1 FROM breakdown_dimensions WHERE experiment = ? AND mode = ? AND dimension = ?")
    .get(experiment, mode, dimension);
  if (known !== undefined) return;
  db.prepare("INSERT INTO breakdown_dimensions (experiment, mode, dimension) VALUES (?, ?, ?)").run(
    experiment,
    mode,
    dimension,
  );
  db.exec(`DELETE FROM temp.touched_${mode}; DELETE FROM temp.nx_${mode};`);
  const params = { experiment, mode, dimension };
  db.prepare(
    `INSERT OR IGNORE INTO temp.touched_${mode} SELECT DISTINCT experiment, unit, metric FROM unit_metric_days
     WHERE experiment = @experiment AND mode = @mode`,
  ).run(params);
  db.prepare(
    `INSERT INTO temp.nx_${mode} (experiment, unit) SELECT experiment, unit FROM units
     WHERE experiment = @experiment AND mode = @mode`,
  ).run(params);
  for (const sql of fillValues(mode)) db.prepare(sql).run();
  for (const sql of sliceContributions(
    mode,
    "",
    `temp.tv_${mode}`,
    `temp.nx_${mode}`,
    "AND d.dimension = @dimension",
  ))
    db.prepare(sql).run({ dimension });
  db.exec(`DELETE FROM temp.touched_${mode}; DELETE FROM temp.nx_${mode};`);
}

/** Whether breakdowns by `dimension` are kept for this scope and mode. */
export function hasSlices(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  dimension: string,
): boolean {
  return (
    db
      .prepare("SELECT 1 FROM breakdown_dimensions WHERE experiment = ? AND mode = ? AND dimension = ?")
      .get(experiment, mode, dimension) !== undefined
  );
}

/** A breakdown's rows from the slice totals: rows per slice, variant and metric, whatever the units. */
export function readSliceRows(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  dimension: string,
  metrics: string | undefined,
): BreakdownRows {
  const params = { experiment, mode, dimension, ...(metrics === undefined ? {} : { metrics }) };
  const units = db
    .prepare(
      `SELECT CASE WHEN has_value THEN slice END AS value, variant_id AS variantId, units, exposures
       FROM slice_units WHERE experiment = @experiment AND mode = @mode AND dimension = @dimension
         AND (units <> 0 OR exposures <> 0)`,
    )
    .all(params) as Array<BreakdownRows["units"][number]>;
  const totals = db
    .prepare(
      `SELECT CASE WHEN has_value THEN slice END AS value, variant_id AS variantId, metric, 0 AS day,
              ref AS reference, units AS valuedUnits, dsum AS centredSum, dsum_lo AS centredSumLow,
              dsq AS centredSquares, dsq_lo AS centredSquaresLow, counted
       FROM slice_metrics WHERE experiment = @experiment AND mode = @mode AND dimension = @dimension
         AND units <> 0
         ${metrics === undefined ? "" : "AND metric IN (SELECT value FROM json_each(@metrics))"}`,
    )
    .all(params) as NonNullable<BreakdownRows["totals"]>;
  return { units, values: [], totals };
}
