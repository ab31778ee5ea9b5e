import { type BreakdownRows, requireBreakdownDimension } from "@assay/core";
import type { PoolClient } from "pg";

/**
 * The rows of a breakdown by `dimension` (see BreakdownRows of @assay/core) for one analysis scope and unit
 * mode: the units and their raw exposures by slice and variant, from `units` (each unit's first exposure's
 * dimensions, kept by the fold; see DIMENSIONS in schema.ts) joined to `unit_variants`; and per unit and
 * metric its value (bool: the max over its days, else the sum) from `unit_metric_days`, with its slice. Read at
 * summary time, not kept by the fold: O(units) (O(units × metrics) rows for the values). `metrics`: the
 * metrics to keep to, when set.
 */
export async function readBreakdownRows(
  client: PoolClient,
  schema: string,
  dimension: string,
  experiment: string,
  mode: string,
  metrics: readonly string[] | undefined,
): Promise<BreakdownRows> {
  requireBreakdownDimension(dimension);
  const units = await client.query<BreakdownRows["units"][number]>(
    `SELECT u.dimensions::jsonb ->> $3 AS value, v.variant_id AS "variantId",
            count(*) FILTER (WHERE v.variant_id = u.variant_id)::int AS units, sum(v.exposures)::float8 AS exposures
     FROM ${schema}.units u
     JOIN ${schema}.unit_variants v ON v.experiment = u.experiment AND v.mode = u.mode AND v.unit = u.unit
     WHERE u.experiment = $1 AND u.mode = $2
     GROUP BY 1, 2`,
    [experiment, mode, dimension],
  );
  const values = await client.query<BreakdownRows["values"][number]>(
    `SELECT min(u.dimensions::jsonb ->> $3) AS value, min(u.variant_id) AS "variantId", m.metric,
            CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END AS v
     FROM ${schema}.unit_metric_days m
     JOIN ${schema}.units u ON u.experiment = m.experiment AND u.mode = m.mode AND u.unit = m.unit
     WHERE m.experiment = $1 AND m.mode = $2 ${metrics === undefined ? "" : "AND m.metric = ANY($4::text[])"}
     GROUP BY m.unit, m.metric`,
    metrics === undefined ? [experiment, mode, dimension] : [experiment, mode, dimension, metrics],
  );
  return { units: units.rows, values: values.rows };
}
