import {
  type CupedRequest,
  cupedPairKey,
  preKey,
  type RatioPair,
  ratioPairKey,
  type WindowRequest,
  windowKey,
} from "@assay/core";
import type Database from "better-sqlite3";
import { CAPPED_TABLES } from "./capped-values.js";
import { addExact, exactSum } from "./exact-sums.js";
import { metricContributions, type UnitMode } from "./rollups.js";
import { SLICE_TABLES } from "./slices.js";

const DAY_MS = 86_400_000;

/**
 * Version 9: derived metrics and cross-products kept by the fold, so windowed metrics, CUPED covariates and
 * ratio metrics cost a summary rows per variant, as plain metrics do, instead of a pass over units or events.
 *
 * A summary that asks for one the store does not keep yet registers it and builds it once from what is stored
 * (raw outcomes for a window, `pending_outcomes` for a pre-period, the per-unit rollups for a product); every
 * fold after that keeps it current with the same take-out-and-put-back as the plain totals (see rollups.ts).
 *
 * - `derived_metrics`: per scope and unit mode, a per-unit metric computed from a recorded one: `window` (its
 *   outcomes with first exposure ≤ time < first exposure + span) or `pre` (its outcomes with first exposure −
 *   span ≤ time < first exposure: CUPED's covariate). `key` names it in the tables below.
 * - `window_spans` / `window_outcomes`: per recorded metric with a window, the longest window asked for, and
 *   each attributed outcome inside it as the fold saw it. A first exposure only ever moves earlier, so an
 *   outcome outside the longest window when folded stays outside; one inside may fall out later, which is why
 *   the outcome itself is kept and the unit's windowed value rebuilt from these rows when it is touched.
 * - `derived_unit_days`, `derived_totals`, `derived_days`: the derived metrics in the same form as
 *   `unit_metric_days`, `variant_metrics` and `variant_metric_days` (centred double-double sums, daily
 *   deltas), kept by the same statements.
 * - `capped_metrics` / `unit_values`: every unit's value of a metric capped once, indexed by value, so a
 *   percentile cap is read from the top of the index (see capped-values.ts).
 * - `breakdown_dimensions`, `slice_units`, `slice_metrics`: the running totals of each slice of a dimension a
 *   breakdown asked for (see slices.ts).
 * - `product_pairs` / `variant_products`: per variant, Σ over units of a × b for a pair of per-unit values:
 *   numerator × denominator of a ratio metric, metric × pre-period value for CUPED (b derived).
 */
export const DERIVED_TABLES = `
  CREATE TABLE derived_metrics (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, key TEXT NOT NULL,
    source TEXT NOT NULL, period TEXT NOT NULL, span_ms INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, key)
  ) WITHOUT ROWID;
  CREATE INDEX derived_metrics_by_source ON derived_metrics (experiment, mode, source);
  CREATE TABLE window_spans (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, metric TEXT NOT NULL, span_ms INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, metric)
  ) WITHOUT ROWID;
  CREATE TABLE window_outcomes (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL, metric TEXT NOT NULL,
    kind TEXT NOT NULL, value REAL NOT NULL, ts INTEGER NOT NULL
  );
  CREATE INDEX window_outcomes_by_unit ON window_outcomes (experiment, mode, unit, metric);
  CREATE TABLE derived_unit_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, unit TEXT NOT NULL, metric TEXT NOT NULL, day INTEGER NOT NULL,
    kind TEXT NOT NULL, value REAL NOT NULL, outcomes INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, unit, metric, day)
  ) WITHOUT ROWID;
  CREATE TABLE derived_totals (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    ref REAL NOT NULL, units INTEGER NOT NULL, dsum REAL NOT NULL, dsum_lo REAL NOT NULL,
    dsq REAL NOT NULL, dsq_lo REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric)
  ) WITHOUT ROWID;
  CREATE TABLE derived_days (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, variant_id TEXT NOT NULL, metric TEXT NOT NULL,
    day INTEGER NOT NULL, units INTEGER NOT NULL, dsum REAL NOT NULL, dsum_lo REAL NOT NULL,
    dsq REAL NOT NULL, dsq_lo REAL NOT NULL, counted INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, variant_id, metric, day)
  ) WITHOUT ROWID;
  CREATE TABLE product_pairs (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, key TEXT NOT NULL,
    a TEXT NOT NULL, b TEXT NOT NULL, b_derived INTEGER NOT NULL,
    PRIMARY KEY (experiment, mode, key)
  ) WITHOUT ROWID;
  CREATE TABLE variant_products (
    experiment TEXT NOT NULL, mode TEXT NOT NULL, pair TEXT NOT NULL, variant_id TEXT NOT NULL,
    sum REAL NOT NULL, sum_lo REAL NOT NULL,
    PRIMARY KEY (experiment, mode, pair, variant_id)
  ) WITHOUT ROWID;
  ${CAPPED_TABLES}
  ${SLICE_TABLES}
`;

/** The tables one set of per-unit rows and its running totals live in (recorded metrics, or derived ones). */
export interface MetricTables {
  readonly touched: string;
  /** The touched pairs' per-unit values of this step (see fillValues). */
  readonly values: string;
  readonly unitDays: string;
  readonly totals: string;
  readonly days: string;
}

/**
 * Fold statements run after the touched (unit, metric) pairs are known and before their contributions are
 * taken out: the derived metrics of those pairs are touched too.
 */
export function touchDerived(mode: UnitMode): string[] {
  return [
    `DELETE FROM temp.touched_d_${mode}`,
    `INSERT OR IGNORE INTO temp.touched_d_${mode}
     SELECT t.experiment, t.unit, d.key FROM temp.touched_${mode} t
     JOIN derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.source = t.metric`,
  ];
}

/** The temporary table of touched derived (unit, metric) pairs, made once per connection. */
export function derivedTempTables(mode: UnitMode): string {
  return `CREATE TEMP TABLE IF NOT EXISTS touched_d_${mode} (
      experiment TEXT, unit TEXT, metric TEXT, PRIMARY KEY (experiment, unit, metric)
    ) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS tv_${mode} (
      experiment TEXT, unit TEXT, metric TEXT, v REAL, c INTEGER, PRIMARY KEY (experiment, unit, metric)
    ) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS tvd_${mode} (
      experiment TEXT, unit TEXT, metric TEXT, v REAL, c INTEGER, PRIMARY KEY (experiment, unit, metric)
    ) WITHOUT ROWID;`;
}

/**
 * The per-unit values of the touched pairs, read once per half of a fold (before the change, after it) from
 * the per-unit rows, for every set of totals that needs them: the variants', the slices', the products', the
 * capped metrics' unit values. Reading them once matters: on a large store each read of a unit's rows is a
 * random page, and it was read once per set of totals.
 */
export function fillValues(mode: UnitMode): string[] {
  const fill = (values: string, touched: string, days: string) => [
    `DELETE FROM temp.${values}_${mode}`,
    `INSERT INTO temp.${values}_${mode} (experiment, unit, metric, v, c)
     SELECT a.experiment, a.unit, a.metric, CASE WHEN min(m.kind) = 'bool' THEN max(m.value) ELSE sum(m.value) END,
            sum(m.outcomes)
     FROM temp.${touched}_${mode} a
     CROSS JOIN ${days} m
       ON m.experiment = a.experiment AND m.mode = '${mode}' AND m.unit = a.unit AND m.metric = a.metric
     WHERE true GROUP BY a.experiment, a.unit, a.metric`,
  ];
  return [...fill("tv", "touched", "unit_metric_days"), ...fill("tvd", "touched_d", "derived_unit_days")];
}

/**
 * Fold statement before the values are read: a pair of a product is touched as a whole (the product changes
 * when either value does), so the partner of every touched metric of a product is touched too (its own
 * totals are then taken out and put back unchanged).
 */
export function touchPartners(mode: UnitMode): string {
  return `INSERT OR IGNORE INTO temp.touched_${mode}
    SELECT t.experiment, t.unit, CASE WHEN p.a = t.metric THEN p.b ELSE p.a END
    FROM temp.touched_${mode} t
    CROSS JOIN product_pairs p ON p.experiment = t.experiment AND p.mode = '${mode}'
      AND (p.a = t.metric OR p.b = t.metric) AND p.b_derived = 0`;
}

/**
 * Fold statements run after the recorded metrics' rollups changed (new outcomes attributed, pending ones
 * moved, first exposures moved earlier): the outcomes inside a window are kept, and the touched units'
 * derived rows rebuilt from them and from `pending_outcomes`.
 */
export function rebuildDerived(mode: UnitMode): string[] {
  const windowed = (from: string) => `
    INSERT INTO window_outcomes (experiment, mode, unit, metric, kind, value, ts)
    SELECT o.experiment, '${mode}', o.unit, o.metric, o.kind, o.value, o.ts FROM ${from} o
    JOIN window_spans s ON s.experiment = o.experiment AND s.mode = '${mode}' AND s.metric = o.metric
    JOIN units u ON u.experiment = o.experiment AND u.mode = '${mode}' AND u.unit = o.unit
    WHERE o.ts >= u.first_ts AND o.ts < u.first_ts + s.span_ms`;
  return [
    windowed(`temp.no_${mode}`),
    windowed(`temp.moved_${mode}`),
    `DELETE FROM derived_unit_days WHERE mode = '${mode}'
     AND (experiment, unit, metric) IN (SELECT experiment, unit, metric FROM temp.touched_d_${mode})`,
    ...derivedRowsFor(mode, `temp.touched_d_${mode}`),
  ];
}

/** The derived rows of the (unit, derived metric) pairs in `pairs` (columns experiment, unit, metric). */
function derivedRowsFor(mode: UnitMode, pairs: string): string[] {
  return [
    `INSERT INTO derived_unit_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT t.experiment, '${mode}', t.unit, t.metric, w.ts / ${DAY_MS}, min(w.kind),
            CASE WHEN min(w.kind) = 'bool' THEN max(w.value) ELSE sum(w.value) END, count(*)
     FROM ${pairs} t
     CROSS JOIN derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.key = t.metric
       AND d.period = 'window'
     CROSS JOIN units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
     CROSS JOIN window_outcomes w ON w.experiment = t.experiment AND w.mode = '${mode}' AND w.unit = t.unit
       AND w.metric = d.source
     WHERE w.ts >= u.first_ts AND w.ts < u.first_ts + d.span_ms
     GROUP BY t.experiment, t.unit, t.metric, w.ts / ${DAY_MS}`,
    // a pre-period value is known from the day of first exposure on
    `INSERT INTO derived_unit_days (experiment, mode, unit, metric, day, kind, value, outcomes)
     SELECT t.experiment, '${mode}', t.unit, t.metric, min(u.first_ts) / ${DAY_MS}, min(p.kind),
            CASE WHEN min(p.kind) = 'bool' THEN max(p.value) ELSE sum(p.value) END, count(*)
     FROM ${pairs} t
     CROSS JOIN derived_metrics d ON d.experiment = t.experiment AND d.mode = '${mode}' AND d.key = t.metric
       AND d.period = 'pre'
     CROSS JOIN units u ON u.experiment = t.experiment AND u.mode = '${mode}' AND u.unit = t.unit
     CROSS JOIN pending_outcomes p ON p.experiment = t.experiment AND p.mode = '${mode}' AND p.unit = t.unit
       AND p.metric = d.source
     WHERE p.ts >= u.first_ts - d.span_ms AND p.ts < u.first_ts
     GROUP BY t.experiment, t.unit, t.metric`,
  ];
}

/**
 * The touched units' contributions to the cross-products (sign "-" takes them out before the fold changes
 * them, "" puts the new ones back), under the unit's variant of that moment. A pair is touched when either of
 * its values is; a unit without both values adds nothing (its product is 0).
 */
export function productContributions(mode: UnitMode, sign: "-" | "", onlyNewPairs = false): string[] {
  // at registration: only the pairs made now (parameter @pairs, a JSON array of keys)
  const only = onlyNewPairs ? "AND p.key IN (SELECT value FROM json_each(@pairs))" : "";
  const statement = (bValues: string, derived: 0 | 1) => `
    INSERT INTO variant_products (experiment, mode, pair, variant_id, sum, sum_lo)
    SELECT a.experiment, '${mode}', p.key, u.variant_id, ${exactSum(sign, "a.v * b.v")}
    FROM temp.tv_${mode} a
    CROSS JOIN product_pairs p ON p.experiment = a.experiment AND p.mode = '${mode}' AND p.a = a.metric
      AND p.b_derived = ${derived} ${only}
    CROSS JOIN temp.${bValues}_${mode} b ON b.experiment = a.experiment AND b.unit = a.unit AND b.metric = p.b
    CROSS JOIN units u ON u.experiment = a.experiment AND u.mode = '${mode}' AND u.unit = a.unit
    WHERE true GROUP BY a.experiment, p.key, u.variant_id
    ON CONFLICT (experiment, mode, pair, variant_id) DO UPDATE SET ${addExact("variant_products", "sum")}`;
  return [statement("tv", 0), statement("tvd", 1)];
}

export const DERIVED_TABLE_NAMES: MetricTables = {
  touched: "touched_d",
  values: "tvd",
  unitDays: "derived_unit_days",
  totals: "derived_totals",
  days: "derived_days",
};

/** What a summary asks the fold to keep, in the keys the tables use. */
export interface DerivedRequests {
  readonly windowed: readonly WindowRequest[];
  readonly cuped: readonly CupedRequest[];
  readonly ratios: readonly RatioPair[];
}

/** Whether `requests` asks for something the store does not keep yet for this scope and mode. */
export function missingDerived(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  requests: DerivedRequests,
): boolean {
  return plan(db, mode, experiment, requests).some((list) => list.length > 0);
}

function plan(db: Database.Database, mode: UnitMode, experiment: string, requests: DerivedRequests) {
  const known = new Set(
    db
      .prepare("SELECT key FROM derived_metrics WHERE experiment = ? AND mode = ?")
      .pluck()
      .all(experiment, mode) as string[],
  );
  const pairs = new Set(
    db
      .prepare("SELECT key FROM product_pairs WHERE experiment = ? AND mode = ?")
      .pluck()
      .all(experiment, mode) as string[],
  );
  const unique = <T>(list: readonly T[], key: (t: T) => string) => [
    ...new Map(list.map((t) => [key(t), t])).values(),
  ];
  return [
    unique(requests.windowed, windowKey).filter((w) => !known.has(windowKey(w))),
    unique(requests.cuped, preKey).filter((c) => !known.has(preKey(c))),
    unique(requests.ratios, ratioPairKey).filter((r) => !pairs.has(ratioPairKey(r))),
    unique(requests.cuped, cupedPairKey).filter((c) => !pairs.has(cupedPairKey(c))),
  ] as const;
}

/**
 * Registers what `requests` needs and is not kept yet, and builds it from what is stored. Run it in a write
 * transaction in which the mode's rollups were just brought current (the watermark at the last event), so
 * what it builds from the raw events is exactly what the fold has seen.
 */
export function ensureDerived(
  db: Database.Database,
  mode: UnitMode,
  experiment: string,
  requests: DerivedRequests,
): void {
  const [newWindows, newPre, newRatios, newCuped] = plan(db, mode, experiment, requests);
  if (newWindows.length + newPre.length + newRatios.length + newCuped.length === 0) return;

  db.exec(`DELETE FROM temp.touched_d_${mode}; DELETE FROM temp.touched_${mode};`);
  const addDerived = db.prepare(
    `INSERT OR IGNORE INTO derived_metrics (experiment, mode, key, source, period, span_ms)
     VALUES (@experiment, @mode, @key, @source, @period, @span)`,
  );
  for (const w of newWindows) {
    widenWindow(db, mode, experiment, w);
    addDerived.run({
      experiment,
      mode,
      key: windowKey(w),
      source: w.metric,
      period: "window",
      span: w.windowMs,
    });
  }
  for (const c of newPre) {
    addDerived.run({
      experiment,
      mode,
      key: preKey(c),
      source: c.metric,
      period: "pre",
      span: c.preWindowMs,
    });
  }
  // every exposed unit's rows of the new derived metrics, then their totals, as a fold's second half makes them
  const keys = [...newWindows.map(windowKey), ...newPre.map(preKey)];
  if (keys.length > 0) {
    db.prepare(
      `INSERT INTO temp.touched_d_${mode} SELECT experiment, unit, d.key FROM units
       JOIN (SELECT value AS key FROM json_each(@keys)) d
       WHERE experiment = @experiment AND mode = @mode`,
    ).run({ experiment, mode, keys: JSON.stringify(keys) });
    for (const sql of derivedRowsFor(mode, `temp.touched_d_${mode}`)) db.prepare(sql).run();
  }
  const addPair = db.prepare(
    `INSERT OR IGNORE INTO product_pairs (experiment, mode, key, a, b, b_derived)
     VALUES (@experiment, @mode, @key, @a, @b, @derived)`,
  );
  for (const r of newRatios) {
    addPair.run({ experiment, mode, key: ratioPairKey(r), a: r.numerator, b: r.denominator, derived: 0 });
  }
  for (const c of newCuped) {
    addPair.run({ experiment, mode, key: cupedPairKey(c), a: c.metric, b: preKey(c), derived: 1 });
  }
  // A new pair's units: every unit with a value of its first metric (a unit without one has a product of 0).
  // Pairs made before are not touched here: their units are not in the temp tables of this step.
  const newPairs = [...newRatios.map(ratioPairKey), ...newCuped.map(cupedPairKey)];
  if (newPairs.length > 0) {
    db.prepare(
      `INSERT OR IGNORE INTO temp.touched_${mode}
       SELECT DISTINCT m.experiment, m.unit, m.metric FROM unit_metric_days m
       JOIN product_pairs p ON p.experiment = m.experiment AND p.mode = m.mode AND p.a = m.metric
       WHERE m.experiment = @experiment AND m.mode = @mode AND p.key IN (SELECT value FROM json_each(@pairs))
       UNION
       SELECT DISTINCT m.experiment, m.unit, p.b FROM unit_metric_days m
       JOIN product_pairs p ON p.experiment = m.experiment AND p.mode = m.mode AND p.a = m.metric AND p.b_derived = 0
       WHERE m.experiment = @experiment AND m.mode = @mode AND p.key IN (SELECT value FROM json_each(@pairs))`,
    ).run({ experiment, mode, pairs: JSON.stringify(newPairs) });
  }
  for (const sql of fillValues(mode)) db.prepare(sql).run();
  for (const sql of metricContributions(mode, "", DERIVED_TABLE_NAMES)) db.prepare(sql).run();
  if (newPairs.length > 0) {
    for (const sql of productContributions(mode, "", true))
      db.prepare(sql).run({ pairs: JSON.stringify(newPairs) });
  }
  db.exec(`DELETE FROM temp.touched_d_${mode}; DELETE FROM temp.touched_${mode};`);
}

/**
 * Makes `window_outcomes` hold every attributed outcome of the metric inside `w` (from the raw events, once),
 * when no window asked for before was as long.
 */
function widenWindow(db: Database.Database, mode: UnitMode, experiment: string, w: WindowRequest): void {
  const span = db
    .prepare("SELECT span_ms FROM window_spans WHERE experiment = ? AND mode = ? AND metric = ?")
    .pluck()
    .get(experiment, mode, w.metric) as number | undefined;
  if (span !== undefined && span >= w.windowMs) return;
  const unit = mode === "s" ? "('s:' || session_id)" : "COALESCE('u:' || user_id, 's:' || session_id)";
  const params = { experiment, mode, metric: w.metric, span: w.windowMs };
  db.prepare(
    "DELETE FROM window_outcomes WHERE experiment = @experiment AND mode = @mode AND metric = @metric",
  ).run(params);
  db.prepare(
    `INSERT INTO window_outcomes (experiment, mode, unit, metric, kind, value, ts)
     SELECT @experiment, @mode, e.unit, @metric, e.kind, e.value, e.ts
     FROM (SELECT ${unit} AS unit, kind, value, ts FROM event_rows
           WHERE scope = @experiment AND type = 1 AND metric = @metric) e
     JOIN units u ON u.experiment = @experiment AND u.mode = @mode AND u.unit = e.unit
     WHERE e.ts >= u.first_ts AND e.ts < u.first_ts + @span`,
  ).run(params);
  db.prepare(
    `INSERT INTO window_spans (experiment, mode, metric, span_ms) VALUES (@experiment, @mode, @metric, @span)
     ON CONFLICT (experiment, mode, metric) DO UPDATE SET span_ms = excluded.span_ms`,
  ).run(params);
}
