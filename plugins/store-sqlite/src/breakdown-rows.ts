import { type BreakdownRows, requireBreakdownDimension } from "@assay/core";
import type Database from "better-sqlite3";

/**
 * The rows of a breakdown by `dimension` (see BreakdownRows of @assay/core) for one analysis scope and unit
 * mode: the units and their raw exposures by slice and variant, from `units` (each unit's first exposure's
 * dimensions, see dimensions.ts) joined to `unit_variants`; and per unit and metric its value (bool: the max
 * over its days, else the sum) from `unit_metric_days`, with its slice. Read at summary time, not kept by
 * the fold: O(units) (and O(units × metrics) rows for the values). `metrics`: a JSON array to keep to, when set.
 */
export function readBreakdownRows(
  db: Database.Database,
  dimension: string,
  experiment: string,
  mode: string,
  metrics: string | undefined,
): BreakdownRows {
  requireBreakdownDimension(dimension);
  // A dimension name has no quote or dot (see dimensionNameProblem), so it is a JSON path key as it is.
  const path = `$."${dimension}"`;
  const params = { experiment, mode, path, ...(metrics === undefined ? {} : { metrics }) };
  const units = db
    .prepare(
      `SELECT json_extract(u.dimensions, @path) AS value, v.variant_id AS variantId,
              sum(v.variant_id = u.variant_id) AS units, sum(v.exposures) AS exposures
       FROM units u
       JOIN unit_variants v ON v.experiment = u.experiment AND v.mode = u.mode AND v.unit = u.unit
       WHERE u.experiment = @experiment AND u.mode = @mode
       GROUP BY 1, 2`,
    )
    .all(params) as Array<BreakdownRows["units"][number]>;
  const values = db
    .prepare(
      `SELECT json_extract(u.dimensions, @path) AS value, u.variant_id AS variantId, m.metric,
              CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END AS v
       FROM unit_metric_days m
       JOIN units u ON u.experiment = m.experiment AND u.mode = m.mode AND u.unit = m.unit
       WHERE m.experiment = @experiment AND m.mode = @mode
       ${metrics === undefined ? "" : "AND m.metric IN (SELECT value FROM json_each(@metrics))"}
       GROUP BY m.unit, m.metric`,
    )
    .all(params) as Array<BreakdownRows["values"][number]>;
  return { units, values };
}
