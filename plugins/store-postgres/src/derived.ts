import type {
  CapRequest,
  CentredMetricRow,
  CupedRequest,
  RatioPair,
  SummaryQuery,
  WindowRequest,
} from "@assay/core";
import { cupedPairKey, nearestRank, preKey, ratioPairKey, windowKey } from "@assay/core";
import type { PoolClient } from "pg";
import { exact, type MetricTables, metricContributions } from "./fold.js";
import { SLICE_TABLES } from "./slices.js";

const DAY_MS = 86_400_000;

/**
 * Version 11: derived metrics, cross-products and unit values kept by the fold once a summary asks for them,
 * the same design as @assay/store-sqlite's derived.ts and capped-values.ts (read those for the why):
 *
 * - `derived_metrics`: per scope and mode a per-unit metric computed from a recorded one, `window` (outcomes
 *   with first ≤ time < first + span) or `pre` (first − span ≤ time < first: CUPED's covariate);
 * - `window_spans` / `window_outcomes`: the longest window per metric and each attributed outcome inside it (a
 *   first exposure that moves earlier rebuilds the unit's windowed values from these rows);
 * - `derived_unit_days`, `derived_totals`, `derived_days`: the derived metrics in the form of
 *   `unit_metric_days`, `variant_metrics` and `variant_metric_days`, kept by the same statements;
 * - `product_pairs` / `variant_products`: per variant Σ a·b over units (ratio numerator × denominator; CUPED
 *   metric × pre-period value), as exact numerics of the double products, so what a fold adds a later one
 *   takes out exactly;
 * - `breakdown_dimensions`, `slice_units`, `slice_metrics`: the slices' running totals (slices.ts);
 * - `capped_metrics` / `unit_values`: every unit's value of a metric capped once, indexed by value, so a
 *   percentile cap is read from the top of the index and the capped sums are the totals less the excess above.
 */
export function DERIVED_TABLES(s: string): string {
  return `
    CREATE TABLE ${s}.derived_metrics (
      experiment text NOT NULL, mode char(1) NOT NULL, key text NOT NULL,
      source text NOT NULL, period text NOT NULL, span_ms double precision NOT NULL,
      PRIMARY KEY (experiment, mode, key)
    );
    CREATE INDEX derived_metrics_by_source ON ${s}.derived_metrics (experiment, mode, source);
    CREATE TABLE ${s}.window_spans (
      experiment text NOT NULL, mode char(1) NOT NULL, metric text NOT NULL, span_ms double precision NOT NULL,
      PRIMARY KEY (experiment, mode, metric)
    );
    CREATE TABLE ${s}.window_outcomes (
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL, metric text NOT NULL,
      kind text NOT NULL, value double precision NOT NULL, ts bigint NOT NULL
    );
    CREATE INDEX window_outcomes_by_unit ON ${s}.window_outcomes (experiment, mode, unit, metric);
    CREATE TABLE ${s}.derived_unit_days (
      experiment text NOT NULL, mode char(1) NOT NULL, unit text NOT NULL, metric text NOT NULL,
      day integer NOT NULL, kind text NOT NULL, value double precision NOT NULL, outcomes bigint NOT NULL,
      PRIMARY KEY (experiment, mode, unit, metric, day)
    );
    CREATE TABLE ${s}.derived_totals (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      ref double precision NOT NULL, units bigint NOT NULL, dsum numeric NOT NULL, dsq numeric NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric)
    );
    CREATE TABLE ${s}.derived_days (
      experiment text NOT NULL, mode char(1) NOT NULL, variant_id text NOT NULL, metric text NOT NULL,
      day integer NOT NULL, units bigint NOT NULL, dsum numeric NOT NULL, dsq numeric NOT NULL,
      counted bigint NOT NULL,
      PRIMARY KEY (experiment, mode, variant_id, metric, day)
    );
    CREATE TABLE ${s}.product_pairs (
      experiment text NOT NULL, mode char(1) NOT NULL, key text NOT NULL,
      a text NOT NULL, b text NOT NULL, b_derived boolean NOT NULL,
      PRIMARY KEY (experiment, mode, key)
    );
    CREATE TABLE ${s}.variant_products (
      experiment text NOT NULL, mode char(1) NOT NULL, pair text NOT NULL, variant_id text NOT NULL,
      sum numeric NOT NULL,
      PRIMARY KEY (experiment, mode, pair, variant_id)
    );
    CREATE TABLE ${s}.capped_metrics (
      experiment text NOT NULL, mode char(1) NOT NULL, metric text NOT NULL,
      PRIMARY KEY (experiment, mode, metric)
    );
    CREATE TABLE ${s}.unit_values (
      experiment text NOT NULL, mode char(1) NOT NULL, metric text NOT NULL, unit text NOT NULL,
      value double precision NOT NULL, variant_id text NOT NULL,
      PRIMARY KEY (experiment, mode, metric, unit)
    );
    CREATE INDEX unit_values_by_value ON ${s}.unit_values (experiment, mode, metric, value, variant_id);
    ${SLICE_TABLES(s)}`;
}

export const DERIVED_TABLE_NAMES: MetricTables = {
  touched: "touched_derived",
  values: "tvd",
  unitDays: "derived_unit_days",
  totals: "derived_totals",
  days: "derived_days",
};

/** After `touched` is made: the derived metrics of the touched (unit, metric) pairs are touched too. */
export function touchDerived(s: string, mode: "u" | "s"): string {
  return `CREATE TEMP TABLE touched_derived ON COMMIT DROP AS
    SELECT t.experiment, t.unit, d.key AS metric FROM touched t
    JOIN ${s}.derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.source = t.metric`;
}

/**
 * After the recorded rollups changed: the outcomes inside a window are kept, the touched units' derived rows
 * rebuilt, and their values of capped metrics refreshed.
 */
export function rebuildDerived(s: string, mode: "u" | "s"): string[] {
  const windowed = (from: string) => `
    INSERT INTO ${s}.window_outcomes (experiment, mode, unit, metric, kind, value, ts)
    SELECT o.experiment, '${mode}', o.unit, o.metric, o.kind, o.value, o.ts FROM ${from} o
    JOIN ${s}.window_spans w ON w.experiment = o.experiment AND w.mode = '${mode}' AND w.metric = o.metric
    JOIN ${s}.units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit
    WHERE o.ts >= u.first_ts AND o.ts < u.first_ts + w.span_ms`;
  return [
    windowed("new_outcomes"),
    windowed("moved"),
    `DELETE FROM ${s}.derived_unit_days d USING touched_derived t
     WHERE d.experiment = t.experiment AND d.mode = '${mode}' AND d.unit = t.unit AND d.metric = t.metric`,
    ...derivedRowsFor(s, mode, "touched_derived"),
  ];
}

function derivedRowsFor(s: string, mode: "u" | "s", pairs: string): string[] {
  return [
    `INSERT INTO ${s}.derived_unit_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT t.experiment, '${mode}', t.unit, t.metric, (w.ts / ${DAY_MS})::int, min(w.kind),
            CASE WHEN min(w.kind) = 'bool' THEN max(w.value) ELSE sum(w.value) END, count(*)
     FROM ${pairs} t
     JOIN ${s}.derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.key = t.metric
       AND d.period = 'window'
     JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
     JOIN ${s}.window_outcomes w ON w.experiment = t.experiment AND w.mode = '${mode}' AND w.unit = t.unit
       AND w.metric = d.source
     WHERE w.ts >= u.first_ts AND w.ts < u.first_ts + d.span_ms
     GROUP BY t.experiment, t.unit, t.metric, (w.ts / ${DAY_MS})::int`,
    // a pre-period value is known from the day of first exposure on
    `INSERT INTO ${s}.derived_unit_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT t.experiment, '${mode}', t.unit, t.metric, (min(u.first_ts) / ${DAY_MS})::int, min(p.kind),
            CASE WHEN min(p.kind) = 'bool' THEN max(p.value) ELSE sum(p.value) END, count(*)
     FROM ${pairs} t
     JOIN ${s}.derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.key = t.metric
       AND d.period = 'pre'
     JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
     JOIN ${s}.pending_outcomes p ON p.experiment = t.experiment AND p.mode = '${mode}' AND p.unit = t.unit
       AND p.metric = d.source
     WHERE p.ts >= u.first_ts - d.span_ms AND p.ts < u.first_ts
     GROUP BY t.experiment, t.unit, t.metric`,
  ];
}

/** The temporary tables of the touched pairs' per-unit values (dropped with the fold's others). */
export function createValues(): string[] {
  return [
    "CREATE TEMP TABLE tv (experiment text, unit text, metric text, v double precision, c bigint) ON COMMIT DROP",
    "CREATE TEMP TABLE tvd (experiment text, unit text, metric text, v double precision, c bigint) ON COMMIT DROP",
  ];
}

/**
 * The per-unit values of the touched pairs, read once per half of a fold (before the change, after it) for
 * every set of totals that needs them: the variants', the slices', the products', the capped metrics'.
 */
export function fillValues(s: string, mode: "u" | "s"): string[] {
  const fill = (values: string, touched: string, days: string) => [
    `TRUNCATE ${values}`,
    `INSERT INTO ${values} (experiment, unit, metric, v, c)
     SELECT a.experiment, a.unit, a.metric,
            CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END, sum(m.outcomes)
     FROM ${touched} a
     JOIN ${s}.${days} m ON m.experiment = a.experiment AND m.mode = '${mode}' AND m.unit = a.unit AND m.metric = a.metric
     GROUP BY a.experiment, a.unit, a.metric`,
  ];
  return [
    ...fill("tv", "touched", "unit_metric_days"),
    ...fill("tvd", "touched_derived", "derived_unit_days"),
  ];
}

/**
 * Before the values are read: a product's pair is touched as a whole, so the partner of every touched metric
 * of a product is touched too (its own totals are taken out and put back unchanged).
 */
export function touchPartners(s: string, mode: "u" | "s"): string {
  return `INSERT INTO touched (experiment, unit, metric)
    SELECT DISTINCT t.experiment, t.unit, CASE WHEN p.a = t.metric THEN p.b ELSE p.a END FROM touched t
    JOIN ${s}.product_pairs p ON p.experiment = t.experiment AND p.mode = '${mode}'
      AND (p.a = t.metric OR p.b = t.metric) AND NOT p.b_derived
    EXCEPT SELECT experiment, unit, metric FROM touched`;
}

/** After the values of the changed rollups were read: the capped metrics' unit values. */
export function refreshUnitValues(s: string, mode: "u" | "s"): string {
  return `INSERT INTO ${s}.unit_values (experiment, mode, metric, unit, value, variant_id)
    SELECT t.experiment, '${mode}', t.metric, t.unit, t.v, u.variant_id FROM tv t
    JOIN ${s}.capped_metrics c ON c.experiment = t.experiment AND c.mode = '${mode}' AND c.metric = t.metric
    JOIN ${s}.units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
    ON CONFLICT (experiment, mode, metric, unit) DO UPDATE SET value = excluded.value, variant_id = excluded.variant_id`;
}

/**
 * The touched units' contributions to the cross-products (sign "-" before the fold changes them, "" after),
 * under the unit's variant of that moment: a join of the touched values with themselves (a unit without both
 * values adds nothing); with `onlyNewPairs`, only the pairs in the text[] parameter $1.
 */
export function productContributions(
  s: string,
  mode: "u" | "s",
  sign: "-" | "",
  onlyNewPairs = false,
): string[] {
  const only = onlyNewPairs ? "AND p.key = ANY($1::text[])" : "";
  const statement = (bValues: string, derived: boolean) => `
    INSERT INTO ${s}.variant_products (experiment, mode, pair, variant_id, sum)
    SELECT a.experiment, '${mode}', p.key, u.variant_id, ${sign}sum(${exact("a.v * b.v")})
    FROM tv a
    JOIN ${s}.product_pairs p ON p.experiment = a.experiment AND p.mode = '${mode}' AND p.a = a.metric
      AND p.b_derived = ${derived} ${only}
    JOIN ${bValues} b ON b.experiment = a.experiment AND b.unit = a.unit AND b.metric = p.b
    JOIN ${s}.units u ON u.experiment = a.experiment AND u.mode = '${mode}' AND u.unit = a.unit
    GROUP BY a.experiment, p.key, u.variant_id
    ON CONFLICT (experiment, mode, pair, variant_id) DO UPDATE SET sum = ${s}.variant_products.sum + excluded.sum`;
  return [statement("tv", false), statement("tvd", true)];
}

/** A summary's derived requests, unique, in the keys the tables use. */
interface Plan {
  readonly windows: readonly WindowRequest[];
  readonly pre: readonly CupedRequest[];
  readonly ratios: readonly RatioPair[];
  readonly cuped: readonly CupedRequest[];
  readonly capped: readonly string[];
}

/** What `query` asks for that the fold does not keep yet for this scope and mode (empty lists: nothing). */
export async function missingDerived(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  query: SummaryQuery,
): Promise<Plan> {
  const keys = await client.query<{ key: string }>(
    `SELECT key FROM ${s}.derived_metrics WHERE experiment = $1 AND mode = $2
     UNION ALL SELECT key FROM ${s}.product_pairs WHERE experiment = $1 AND mode = $2
     UNION ALL SELECT 'capped:' || metric FROM ${s}.capped_metrics WHERE experiment = $1 AND mode = $2`,
    [experiment, mode],
  );
  const known = new Set(keys.rows.map((r) => r.key));
  const fresh = <T>(list: readonly T[] | undefined, key: (t: T) => string): T[] =>
    [...new Map((list ?? []).map((t) => [key(t), t])).values()].filter((t) => !known.has(key(t)));
  return {
    windows: fresh(query.windowed, windowKey),
    pre: fresh(query.cuped, preKey),
    ratios: fresh(query.ratios, ratioPairKey),
    cuped: fresh(query.cuped, cupedPairKey),
    capped: fresh(
      (query.capped ?? []).map((c: CapRequest) => c.metric),
      (m) => `capped:${m}`,
    ),
  };
}

export function isEmptyPlan(plan: Plan): boolean {
  return (
    plan.windows.length + plan.pre.length + plan.ratios.length + plan.cuped.length + plan.capped.length === 0
  );
}

/** Where the scope's events are: the recorded experiment, environment and phase of a scope key. */
export interface ScopeEvents {
  readonly experiment: string;
  readonly environment: string;
  readonly phase: number;
}

/**
 * Registers `plan` and builds it from what the fold has seen, inside the fold's transaction, after its
 * watermark moved (see fold.ts `afterFold`): rows of events with xid below the watermark or in folded_xids
 * are exactly the folded ones.
 */
export async function buildDerived(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  events: ScopeEvents,
  plan: Plan,
): Promise<void> {
  await client.query("CREATE TEMP TABLE touched (experiment text, unit text, metric text) ON COMMIT DROP");
  for (const sql of createValues()) await client.query(sql);
  await client.query(
    "CREATE TEMP TABLE touched_derived (experiment text, unit text, metric text) ON COMMIT DROP",
  );
  const U = mode === "s" ? "('s:' || session_id)" : "COALESCE('u:' || user_id, 's:' || session_id)";
  for (const w of plan.windows) {
    const { rows } = await client.query<{ span: number }>(
      `SELECT span_ms AS span FROM ${s}.window_spans WHERE experiment = $1 AND mode = $2 AND metric = $3`,
      [experiment, mode, w.metric],
    );
    if (!(rows[0] !== undefined && rows[0].span >= w.windowMs)) {
      await client.query(
        `DELETE FROM ${s}.window_outcomes WHERE experiment = $1 AND mode = $2 AND metric = $3`,
        [experiment, mode, w.metric],
      );
      await client.query(
        `INSERT INTO ${s}.window_outcomes (experiment, mode, unit, metric, kind, value, ts)
         SELECT $1, $2, e.unit, $3, e.kind, e.value, e.ts
         FROM (SELECT ${U} AS unit, kind, value, ts FROM ${s}.events
               WHERE experiment = $5 AND environment = $6 AND phase = $7 AND type = 1 AND metric = $3
                 AND (xid < (SELECT watermark FROM ${s}.fold_state WHERE id = 1)
                      OR xid IN (SELECT xid FROM ${s}.folded_xids))) e
         JOIN ${s}.units u ON u.experiment = $1 AND u.mode = $2 AND u.unit = e.unit
         WHERE e.ts >= u.first_ts AND e.ts < u.first_ts + $4::float8`,
        [experiment, mode, w.metric, w.windowMs, events.experiment, events.environment, events.phase],
      );
      await client.query(
        `INSERT INTO ${s}.window_spans (experiment, mode, metric, span_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (experiment, mode, metric) DO UPDATE SET span_ms = excluded.span_ms`,
        [experiment, mode, w.metric, w.windowMs],
      );
    }
  }
  const derived = [
    ...plan.windows.map((w) => ({ key: windowKey(w), source: w.metric, period: "window", span: w.windowMs })),
    ...plan.pre.map((c) => ({ key: preKey(c), source: c.metric, period: "pre", span: c.preWindowMs })),
  ];
  for (const d of derived) {
    await client.query(
      `INSERT INTO ${s}.derived_metrics (experiment, mode, key, source, period, span_ms)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [experiment, mode, d.key, d.source, d.period, d.span],
    );
  }
  if (derived.length > 0) {
    await client.query(
      `INSERT INTO touched_derived SELECT experiment, unit, k FROM ${s}.units, unnest($3::text[]) AS k
       WHERE experiment = $1 AND mode = $2`,
      [experiment, mode, derived.map((d) => d.key)],
    );
    for (const sql of derivedRowsFor(s, mode, "touched_derived")) await client.query(sql);
    for (const sql of fillValues(s, mode)) await client.query(sql);
    for (const sql of metricContributions(s, mode, "", DERIVED_TABLE_NAMES)) await client.query(sql);
  }
  const pairs = [
    ...plan.ratios.map((r) => ({ key: ratioPairKey(r), a: r.numerator, b: r.denominator, derived: false })),
    ...plan.cuped.map((c) => ({ key: cupedPairKey(c), a: c.metric, b: preKey(c), derived: true })),
  ];
  for (const p of pairs) {
    await client.query(
      `INSERT INTO ${s}.product_pairs (experiment, mode, key, a, b, b_derived) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [experiment, mode, p.key, p.a, p.b, p.derived],
    );
  }
  if (pairs.length > 0) {
    const keys = pairs.map((p) => p.key);
    // every unit with a value of a new pair's first metric (a unit without one has a product of 0)
    await client.query(
      `INSERT INTO touched SELECT m.experiment, m.unit, m.metric FROM ${s}.unit_metric_days m
       JOIN ${s}.product_pairs p ON p.experiment = m.experiment AND p.mode = m.mode AND p.a = m.metric
       WHERE m.experiment = $1 AND m.mode = $2 AND p.key = ANY($3::text[])
       UNION
       SELECT m.experiment, m.unit, p.b FROM ${s}.unit_metric_days m
       JOIN ${s}.product_pairs p ON p.experiment = m.experiment AND p.mode = m.mode AND p.a = m.metric
         AND NOT p.b_derived
       WHERE m.experiment = $1 AND m.mode = $2 AND p.key = ANY($3::text[])`,
      [experiment, mode, keys],
    );
    for (const sql of fillValues(s, mode)) await client.query(sql);
    for (const sql of productContributions(s, mode, "", true)) await client.query(sql, [keys]);
  }
  for (const metric of plan.capped) {
    await client.query(
      `INSERT INTO ${s}.capped_metrics (experiment, mode, metric) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [experiment, mode, metric],
    );
    await client.query(
      `INSERT INTO ${s}.unit_values (experiment, mode, metric, unit, value, variant_id)
       SELECT m.experiment, m.mode, m.metric, m.unit,
              CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END, min(u.variant_id)
       FROM ${s}.unit_metric_days m
       JOIN ${s}.units u ON u.experiment = m.experiment AND u.mode = m.mode AND u.unit = m.unit
       WHERE m.experiment = $1 AND m.mode = $2 AND m.metric = $3 GROUP BY m.experiment, m.mode, m.metric, m.unit
       ON CONFLICT DO NOTHING`,
      [experiment, mode, metric],
    );
  }
  await client.query("DROP TABLE touched");
  await client.query("DROP TABLE touched_derived");
  await client.query("DROP TABLE tv");
  await client.query("DROP TABLE tvd");
}

/** A derived metric's running totals, as summaryFromRows reads them. */
export async function derivedTotals(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  key: string,
  metric: string,
): Promise<CentredMetricRow[]> {
  const { rows } = await client.query<CentredMetricRow>(
    `SELECT $4::text AS metric, variant_id AS "variantId", 0 AS day, ref AS reference, units::int AS "valuedUnits",
            dsum::float8 AS "centredSum", (dsum - dsum::float8::numeric)::float8 AS "centredSumLow",
            dsq::float8 AS "centredSquares", (dsq - dsq::float8::numeric)::float8 AS "centredSquaresLow",
            counted::int AS counted
     FROM ${s}.derived_totals WHERE experiment = $1 AND mode = $2 AND metric = $3`,
    [experiment, mode, key, metric],
  );
  return rows;
}

/** Per variant Σ a·b of a pair. */
export async function products(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  pair: string,
): Promise<Array<{ variantId: string; sumProducts: number }>> {
  const { rows } = await client.query<{ variantId: string; sumProducts: number }>(
    `SELECT variant_id AS "variantId", sum::float8 AS "sumProducts" FROM ${s}.variant_products
     WHERE experiment = $1 AND mode = $2 AND pair = $3`,
    [experiment, mode, pair],
  );
  return rows;
}

/**
 * A capped metric from the index of unit values, or undefined when the cap is not above 0 (every unit's value
 * is needed then) or the request is not a cap (the per-unit path says what is wrong with it).
 */
export async function cappedFromIndex(
  client: PoolClient,
  s: string,
  mode: "u" | "s",
  experiment: string,
  request: CapRequest,
  index: number,
  units: number,
): Promise<{ request: number; cap: number; rows: CentredMetricRow[] } | undefined> {
  if (
    "value" in request ? !Number.isFinite(request.value) : !(request.percentile > 0 && request.percentile < 1)
  )
    return undefined;
  let cap: number | undefined;
  if ("value" in request) cap = request.value;
  else if (units > 0) {
    const fromTop = units - nearestRank(request.percentile, units);
    const { rows } = await client.query<{ value: number }>(
      `SELECT value FROM ${s}.unit_values WHERE experiment = $1 AND mode = $2 AND metric = $3
       ORDER BY value DESC LIMIT 1 OFFSET $4`,
      [experiment, mode, request.metric, fromTop],
    );
    cap = rows[0]?.value;
  }
  if (cap === undefined || !(cap > 0)) return undefined;
  const over = exact("v.value - $4::float8");
  // Σ_{v > c}(v − c)² around the ref: Σ(v − c)(v + c) − 2·ref·Σ(v − c), exact in numerics
  const overSquares = `(coalesce(x.over_products, 0) - 2 * ${exact("r.ref")} * coalesce(x.over, 0))`;
  const { rows } = await client.query<CentredMetricRow>(
    `SELECT $3::text AS metric, r.variant_id AS "variantId", 0 AS day, r.ref AS reference,
            r.units::int AS "valuedUnits", r.counted::int AS counted,
            (r.dsum - coalesce(x.over, 0))::float8 AS "centredSum",
            ((r.dsum - coalesce(x.over, 0)) - (r.dsum - coalesce(x.over, 0))::float8::numeric)::float8 AS "centredSumLow",
            (r.dsq - ${overSquares})::float8 AS "centredSquares",
            ((r.dsq - ${overSquares}) - (r.dsq - ${overSquares})::float8::numeric)::float8 AS "centredSquaresLow"
     FROM ${s}.variant_metrics r
     LEFT JOIN (
       SELECT v.variant_id, sum(${over}) AS over,
              sum(${exact("(v.value - $4::float8) * (v.value + $4::float8)")}) AS over_products
       FROM ${s}.unit_values v
       WHERE v.experiment = $1 AND v.mode = $2 AND v.metric = $3 AND v.value > $4::float8
       GROUP BY v.variant_id
     ) x ON x.variant_id = r.variant_id
     WHERE r.experiment = $1 AND r.mode = $2 AND r.metric = $3`,
    [experiment, mode, request.metric, cap],
  );
  return { request: index, cap, rows };
}
