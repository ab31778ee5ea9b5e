import { InvalidContextError } from "../errors/experiment-error.js";
import type { OutcomeKind } from "../records/outcome-value.js";
import { type DailyTruncation, dailyEnd, dayString } from "./daily-bound.js";
import type { DailySummary, ExperimentSummary, MetricStats, VariantSummary } from "./event-store.js";

/**
 * What a store with a query engine computes (grouped by UTC day, so the result is small whatever the number
 * of events) for `summaryFromRows` to assemble into an ExperimentSummary. Days are `floor(ms / 86400000)`.
 */
export interface SummaryRows {
  /** Per variant and day: units whose first exposure fell that day in that variant, and raw exposures that day. */
  readonly exposures: ReadonlyArray<{
    readonly variantId: string;
    readonly day: number;
    readonly firstUnits: number;
    readonly exposures: number;
  }>;
  /** Per metric and kind seen (two rows for one metric is an error): how many outcomes it has. */
  readonly kinds: ReadonlyArray<{
    readonly metric: string;
    readonly kind: string;
    readonly outcomes: number;
  }>;
  /**
   * Per metric, variant (of the unit's first exposure) and day: the change that day of the sum and of the sum
   * of squares of the units' cumulative values (`v_d - v_{d-1}` and `v_d^2 - v_{d-1}^2` summed over units),
   * and how many outcomes were counted that day.
   */
  readonly metrics: ReadonlyArray<{
    readonly metric: string;
    readonly variantId: string;
    readonly day: number;
    readonly sum: number;
    readonly sumSquares: number;
    readonly counted: number;
  }>;
  readonly unitsInSeveralVariants: number;
}

/** Assembles the rows a store computed into the summary (and, with `daily`, the cumulative series). */
export function summaryFromRows(
  experiment: string,
  rows: SummaryRows,
  options: { readonly daily?: boolean } = {},
): ExperimentSummary {
  const kinds = new Map<string, OutcomeKind>();
  let outcomes = 0;
  for (const row of rows.kinds) {
    const known = kinds.get(row.metric);
    if (known !== undefined && known !== row.kind) {
      throw new InvalidContextError(
        `metric ${JSON.stringify(row.metric)} of experiment ${JSON.stringify(experiment)} has outcomes of kind ${known} and ${row.kind}; one metric has one kind`,
      );
    }
    kinds.set(row.metric, row.kind as OutcomeKind);
    outcomes += row.outcomes;
  }

  const exposedUnits = new Map<string, number>();
  const exposureCounts = new Map<string, number>();
  for (const row of rows.exposures) {
    exposedUnits.set(row.variantId, (exposedUnits.get(row.variantId) ?? 0) + row.firstUnits);
    exposureCounts.set(row.variantId, (exposureCounts.get(row.variantId) ?? 0) + row.exposures);
  }
  const variantIds = [...exposedUnits].filter(([, n]) => n > 0).map(([v]) => v);
  variantIds.sort();
  const variants: VariantSummary[] = variantIds.map((variantId) => ({
    variantId,
    exposedUnits: exposedUnits.get(variantId)!,
    exposures: exposureCounts.get(variantId) ?? 0,
  }));

  const totals = new Map<string, { sum: number; sumSquares: number }>();
  let counted = 0;
  for (const row of rows.metrics) {
    const key = `${row.metric}\u0000${row.variantId}`;
    const t = totals.get(key) ?? { sum: 0, sumSquares: 0 };
    t.sum += row.sum;
    t.sumSquares += row.sumSquares;
    totals.set(key, t);
    counted += row.counted;
  }
  const metricNames = [...kinds.keys()].sort();
  const statsOf = (metric: string, variantId: string, n: number): { variantId: string } & MetricStats => {
    const t = totals.get(`${metric}\u0000${variantId}`);
    return { variantId, n, sum: t?.sum ?? 0, sumSquares: t?.sumSquares ?? 0 };
  };
  const summary: ExperimentSummary = {
    experiment,
    variants,
    metrics: metricNames.map((metric) => ({
      metric,
      kind: kinds.get(metric)!,
      variants: variants.map((v) => statsOf(metric, v.variantId, v.exposedUnits)),
    })),
    unitsInSeveralVariants: rows.unitsInSeveralVariants,
    unattributedOutcomes: outcomes - counted,
  };
  if (options.daily !== true) return summary;
  const { series, truncated } = dailySeries(rows, variantIds, metricNames);
  return { ...summary, daily: series, ...(truncated !== undefined ? { dailyTruncated: truncated } : {}) };
}

function dailySeries(
  rows: SummaryRows,
  variantIds: readonly string[],
  metricNames: readonly string[],
): { series: DailySummary[]; truncated?: DailyTruncation | undefined } {
  let firstDay = Number.POSITIVE_INFINITY;
  let lastDay = Number.NEGATIVE_INFINITY;
  const exposureDeltas = new Map<number, typeof rows.exposures>();
  for (const row of rows.exposures) {
    if (row.firstUnits > 0) firstDay = Math.min(firstDay, row.day);
    lastDay = Math.max(lastDay, row.day);
    exposureDeltas.set(row.day, [...(exposureDeltas.get(row.day) ?? []), row]);
  }
  const metricDeltas = new Map<number, typeof rows.metrics>();
  for (const row of rows.metrics) {
    lastDay = Math.max(lastDay, row.day);
    metricDeltas.set(row.day, [...(metricDeltas.get(row.day) ?? []), row]);
  }
  if (!Number.isFinite(firstDay)) return { series: [] };
  // Bounded whatever the data: at most MAX_DAILY_POINTS points, and the days before the first exposure are
  // folded in at once rather than walked (one stray event in 1970 would otherwise cost 20,000 iterations).
  const { end, truncated } = dailyEnd(firstDay, lastDay);

  const units = new Map(variantIds.map((v) => [v, { exposedUnits: 0, exposures: 0 }]));
  const sums = new Map<string, { sum: number; sumSquares: number }>();
  for (const metric of metricNames)
    for (const v of variantIds) sums.set(`${metric}\u0000${v}`, { sum: 0, sumSquares: 0 });
  const series: DailySummary[] = [];
  const apply = (day: number) => {
    for (const row of exposureDeltas.get(day) ?? []) {
      const u = units.get(row.variantId);
      if (u === undefined) continue;
      u.exposedUnits += row.firstUnits;
      u.exposures += row.exposures;
    }
    for (const row of metricDeltas.get(day) ?? []) {
      const s = sums.get(`${row.metric}\u0000${row.variantId}`);
      if (s === undefined) continue;
      s.sum += row.sum;
      s.sumSquares += row.sumSquares;
    }
  };
  for (const day of new Set([...exposureDeltas.keys(), ...metricDeltas.keys()]))
    if (day < firstDay) apply(day);
  for (let day = firstDay; day <= end; day++) {
    apply(day);
    series.push({
      day: dayString(day),
      variants: variantIds.map((variantId) => ({ variantId, ...units.get(variantId)! })),
      metrics: metricNames.map((metric) => ({
        metric,
        variants: variantIds.map((variantId) => ({
          variantId,
          n: units.get(variantId)!.exposedUnits,
          ...sums.get(`${metric}\u0000${variantId}`)!,
        })),
      })),
    });
  }
  return { series, truncated };
}
