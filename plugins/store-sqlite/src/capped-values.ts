import { type CapRequest, type CentredMetricRow, nearestRank } from "@assay/core";
import type Database from "better-sqlite3";
import type { UnitMode } from "./rollups.js";

/**
 * Capped metrics without a pass over units. For a metric capped once, the fold keeps every unit's value in
 * `unit_values`, indexed by value (see DERIVED_TABLES in derived.ts). A percentile cap then reads the index
 * from the top, as far as the cap's rank (p99 of a million units: 10,000 entries), and the capped sums are the
 * metric's running totals less what the units above the cap add beyond it:
 *
 *   Σ(min(v, c) − r) = Σ(v − r) − Σ_{v > c}(v − c),
 *   Σ(min(v, c) − r)² = Σ(v − r)² − [Σ_{v > c}(v − c)(v + c) − 2r·Σ_{v > c}(v − c)]
 *
 * with r the running totals' reference value. When the cap is not above 0 (a percentile that lands on the
 * units without a value, or a fixed cap at or below 0) the units below it change too, and the caller falls
 * back to reading every unit's value.
 */
export const CAPPED_TABLES = `
  CREATE TABLE capped_metrics (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, metric TEXT NOT NULL,
    PRIMARY KEY (experiment, mode, metric)
  ) WITHOUT ROWID;
  CREATE TABLE unit_values (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, metric TEXT NOT NULL, unit TEXT NOT NULL, value REAL NOT NULL,
    variant_id TEXT NOT NULL,
    PRIMARY KEY (experiment, mode, metric, unit)
  ) WITHOUT ROWID;
  -- covering: the units above a cap are read by value with their variant, without a lookup per unit
  CREATE INDEX unit_values_by_value ON unit_values (experiment, mode, metric, value, variant_id);
`;

/** Fold statement, after the values of the changed rollups were read (fillValues): capped metrics' unit values. */
export function refreshUnitValues(mode: UnitMode): string {
  return `INSERT INTO unit_values (experiment, mode, metric, unit, value, variant_id)
    SELECT t.experiment, '${mode}', t.metric, t.unit, t.v, u.variant_id
    FROM temp.tv_${mode} t
    CROSS JOIN capped_metrics c ON c.experiment = t.experiment AND c.mode = '${mode}' AND c.metric = t.metric
    CROSS JOIN units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
    WHERE true
    ON CONFLICT (experiment, mode, metric, unit) DO UPDATE SET value = excluded.value, variant_id = excluded.variant_id`;
}

/**
 * Registers the capped metrics of a summary that the fold does not keep values of yet, and fills their values
 * from the per-unit rollups (once). Run in a write transaction with the mode's rollups current.
 */
export function ensureCapped(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  capped: readonly CapRequest[],
): void {
  const known = new Set(
    db
      .prepare("SELECT metric FROM capped_metrics WHERE experiment = ? AND mode = ?")
      .pluck()
      .all(experiment, mode) as string[],
  );
  const fill = db.prepare(
    `INSERT INTO unit_values (experiment, mode, metric, unit, value, variant_id)
     SELECT m.experiment, m.mode, m.metric, m.unit,
            CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END, min(u.variant_id)
     FROM unit_metric_days m
     JOIN units u ON u.experiment = m.experiment AND u.mode = m.mode AND u.unit = m.unit
     WHERE m.experiment = @experiment AND m.mode = @mode AND m.metric = @metric
     GROUP BY m.unit`,
  );
  const register = db.prepare("INSERT INTO capped_metrics (experiment, mode, metric) VALUES (?, ?, ?)");
  for (const metric of new Set(capped.map((c) => c.metric))) {
    if (known.has(metric)) continue;
    register.run(experiment, mode, metric);
    fill.run({ experiment, mode, metric });
  }
}

/** Whether a summary's capped metrics include one the fold keeps no values of yet. */
export function missingCapped(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  capped: readonly CapRequest[],
): boolean {
  if (capped.length === 0) return false;
  const known = db.prepare("SELECT 1 FROM capped_metrics WHERE experiment = ? AND mode = ? AND metric = ?");
  return capped.some((c) => known.get(experiment, mode, c.metric) === undefined);
}

/** A capped metric answered from the index: the cap and, per variant, the capped running totals. */
export interface CappedTotals {
  readonly request: number;
  readonly cap: number;
  readonly rows: readonly CentredMetricRow[];
}

/**
 * The capped totals of request `index` from `unit_values` and the running totals, or undefined when the cap is
 * not above 0 (then every unit's value is needed; see above). `units` is the number of exposed units pooled.
 */
export function cappedFromIndex(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  request: CapRequest,
  index: number,
  units: number,
): CappedTotals | undefined {
  // a request that is not a cap is left to the per-unit path, which says what is wrong with it
  if (
    "value" in request ? !Number.isFinite(request.value) : !(request.percentile > 0 && request.percentile < 1)
  )
    return undefined;
  const params = { experiment, mode, metric: request.metric };
  let cap: number | undefined;
  if ("value" in request) cap = request.value;
  else if (units > 0) {
    // the nearest rank counted from the top: the (units − rank + 1)-th largest value
    const fromTop = units - nearestRank(request.percentile, units);
    cap = db
      .prepare(
        `SELECT value FROM unit_values WHERE experiment = @experiment AND mode = @mode AND metric = @metric
         ORDER BY value DESC LIMIT 1 OFFSET @fromTop`,
      )
      .pluck()
      .get({ ...params, fromTop }) as number | undefined;
  }
  if (cap === undefined || !(cap > 0)) return undefined;
  const rows = db
    .prepare(
      `SELECT r.variant_id AS variantId, 0 AS day, r.ref AS reference, r.units AS valuedUnits, r.counted,
              r.dsum AS centredSum, r.dsum_lo - coalesce(x.over, 0) AS centredSumLow,
              r.dsq AS centredSquares,
              r.dsq_lo - (coalesce(x.overSquares, 0) - 2 * r.ref * coalesce(x.over, 0)) AS centredSquaresLow,
              @metric AS metric
       FROM variant_metrics r
       LEFT JOIN (
         SELECT v.variant_id, sum(v.value - @cap) AS over, sum((v.value - @cap) * (v.value + @cap)) AS overSquares
         FROM unit_values v INDEXED BY unit_values_by_value
         WHERE v.experiment = @experiment AND v.mode = @mode AND v.metric = @metric AND v.value > @cap
         GROUP BY v.variant_id
       ) x ON x.variant_id = r.variant_id
       WHERE r.experiment = @experiment AND r.mode = @mode AND r.metric = @metric`,
    )
    .all({ ...params, cap }) as CentredMetricRow[];
  return { request: index, cap, rows };
}
