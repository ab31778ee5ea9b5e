import { InvalidContextError } from "../errors/experiment-error.js";
import type { OutcomeKind } from "../records/outcome-value.js";
import { type BreakdownRows, breakdownSummary } from "./breakdown.js";
import { cappedSummary } from "./capping.js";
import { CompensatedSum, statsFromCentred } from "./centred-moments.js";
import { cupedSummary } from "./cuped.js";
import { type DailyTruncation, dailyEnd, dayString } from "./daily-bound.js";
import type {
  CappedSummary,
  CapRequest,
  CupedRequest,
  CupedSummary,
  DailySummary,
  ExperimentSummary,
  MetricStats,
  RatioPair,
  RatioSummary,
  SummaryScope,
  VariantSummary,
  WindowedSummary,
  WindowRequest,
} from "./event-store.js";
import { type QuantileRequest, quantileSummary } from "./quantiles.js";
import { windowedSummary } from "./windowing.js";

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
   * Per metric, variant (of the unit's first exposure) and day: the change that day of the units' sums, and
   * how many outcomes were counted that day. The sums come in one of two forms, the same in every row:
   * centred (`CentredMetricRow`, what Assay's stores keep: a variance survives a large mean) or plain
   * (`PlainMetricRow`: `v_d - v_{d-1}` and `v_d^2 - v_{d-1}^2` summed over units).
   */
  readonly metrics: ReadonlyArray<PlainMetricRow | CentredMetricRow>;
  readonly unitsInSeveralVariants: number;
  /** The environment and phase these rows are of, and what else the store has (ExperimentSummary.scope). */
  readonly scope?: SummaryScope;
  /** Per ratio pair asked for and variant: Σ numerator × denominator over the variant's units (see RatioSummary). */
  readonly ratios?: ReadonlyArray<RatioPair & { readonly variantId: string; readonly sumProducts: number }>;
  /**
   * Per capped or quantile metric asked for (each metric once), the per-unit values of the units that have
   * one, with their variant.
   */
  readonly unitValues?: ReadonlyArray<{
    readonly metric: string;
    readonly variantId: string;
    readonly value: number;
  }>;
  /**
   * Per windowed metric asked for (its index in the request), the per-unit values of the outcomes inside each
   * unit's window, with the unit's variant.
   */
  readonly windowValues?: ReadonlyArray<{
    readonly request: number;
    readonly variantId: string;
    readonly value: number;
  }>;
  /**
   * Per CUPED request (its index), the units with a pre-period value: their variant, pre-period value x and
   * metric value y.
   */
  readonly cupedValues?: ReadonlyArray<{
    readonly request: number;
    readonly variantId: string;
    readonly x: number;
    readonly y: number;
  }>;
  /**
   * Per capped request (its index) a store answered from its own index: the cap, and per variant the capped
   * values' totals in the form of `metrics`. Requests without an entry are computed from `unitValues`.
   */
  readonly cappedTotals?: ReadonlyArray<{
    readonly request: number;
    readonly cap: number;
    readonly rows: ReadonlyArray<PlainMetricRow | CentredMetricRow>;
  }>;
  /**
   * Per windowed request (its index) and variant, the windowed metric's totals in the form of `metrics` (a
   * store that keeps windowed metrics as running totals gives these instead of `windowValues`).
   */
  readonly windowTotals?: ReadonlyArray<{ readonly request: number } & (PlainMetricRow | CentredMetricRow)>;
  /**
   * Per CUPED request (its index) and variant, the pre-period value's totals in the form of `metrics`, and Σx·y
   * (`cupedProducts`): what a store that keeps covariates as running totals gives instead of `cupedValues`.
   */
  readonly cupedTotals?: ReadonlyArray<{ readonly request: number } & (PlainMetricRow | CentredMetricRow)>;
  readonly cupedProducts?: ReadonlyArray<{
    readonly request: number;
    readonly variantId: string;
    readonly sumProducts: number;
  }>;
  /** With a breakdown asked for: the units and per-unit values by slice (see BreakdownRows). */
  readonly breakdown?: BreakdownRows;
}

/** What every metric row has: which metric, variant and day, and the outcomes counted that day. */
interface MetricRowKey {
  readonly metric: string;
  readonly variantId: string;
  readonly day: number;
  readonly counted: number;
}

/** Plain sums: the change that day of Σv and Σv² over the units' cumulative values. */
export interface PlainMetricRow extends MetricRowKey {
  readonly sum: number;
  readonly sumSquares: number;
}

/**
 * Centred sums (see `CentredSums`): the change that day of the units that have a value, of Σ(v − reference)
 * and of Σ(v − reference)² over them. `reference` is the same in every row of one metric and variant.
 */
export interface CentredMetricRow extends MetricRowKey {
  readonly reference: number;
  readonly valuedUnits: number;
  readonly centredSum: number;
  readonly centredSquares: number;
  /** Optional low parts when a store keeps the two sums as double-doubles (the sum is high + low). */
  readonly centredSumLow?: number;
  readonly centredSquaresLow?: number;
}

/** Assembles the rows a store computed into the summary (and, with `daily`, the cumulative series). */
export function summaryFromRows(
  experiment: string,
  rows: SummaryRows,
  options: {
    readonly daily?: boolean;
    readonly ratios?: readonly RatioPair[];
    readonly capped?: readonly CapRequest[];
    readonly windowed?: readonly WindowRequest[];
    readonly cuped?: readonly CupedRequest[];
    /** The dimension to cut by (rows.breakdown holds its rows). */
    readonly breakdown?: string;
    readonly quantiles?: readonly QuantileRequest[];
  } = {},
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

  const totals = new Map<string, Accumulated>();
  let counted = 0;
  for (const row of rows.metrics) {
    const key = `${row.metric}\u0000${row.variantId}`;
    const t = totals.get(key) ?? new Accumulated();
    t.add(row);
    totals.set(key, t);
    counted += row.counted;
  }
  const metricNames = [...kinds.keys()].sort();
  const statsOf = (metric: string, variantId: string, n: number): { variantId: string } & MetricStats => ({
    variantId,
    ...(totals.get(`${metric}\u0000${variantId}`) ?? new Accumulated()).stats(n),
  });
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
    ...(rows.scope === undefined ? {} : { scope: rows.scope }),
    ...(options.ratios === undefined ? {} : { ratios: ratioSummaries(options.ratios, rows, variantIds) }),
    ...(options.capped === undefined
      ? {}
      : {
          capped: options.capped.map(
            (request, i) =>
              cappedFromTotals(request, i, rows, variants) ??
              cappedSummary(
                request,
                (rows.unitValues ?? []).filter((u) => u.metric === request.metric),
                new Map(variants.map((v) => [v.variantId, v.exposedUnits])),
              ),
          ),
        }),
    ...(options.windowed === undefined
      ? {}
      : {
          windowed: options.windowed.map((request, i) =>
            rows.windowTotals !== undefined
              ? windowedFromTotals(request, i, rows.windowTotals, variants)
              : windowedSummary(
                  request,
                  (rows.windowValues ?? []).filter((u) => u.request === i),
                  new Map(variants.map((v) => [v.variantId, v.exposedUnits])),
                ),
          ),
        }),
    ...(options.cuped === undefined
      ? {}
      : {
          cuped: options.cuped.map((request, i) =>
            rows.cupedTotals !== undefined
              ? cupedFromTotals(request, i, rows, variants)
              : cupedSummary(
                  request,
                  (rows.cupedValues ?? []).filter((u) => u.request === i),
                  variantIds,
                ),
          ),
        }),
    ...(options.quantiles === undefined
      ? {}
      : {
          quantiles: options.quantiles.map((request) =>
            quantileSummary(
              request,
              (rows.unitValues ?? []).filter((u) => u.metric === request.metric),
              new Map(variants.map((v) => [v.variantId, v.exposedUnits])),
            ),
          ),
        }),
  };
  const withBreakdown =
    options.breakdown === undefined
      ? summary
      : {
          ...summary,
          breakdown: breakdownSummary(
            options.breakdown,
            rows.breakdown ?? { units: [], values: [] },
            variants,
            summary.metrics,
          ),
        };
  if (options.daily !== true) return withBreakdown;
  const { series, truncated } = dailySeries(rows, variantIds, metricNames);
  return {
    ...withBreakdown,
    daily: series,
    ...(truncated !== undefined ? { dailyTruncated: truncated } : {}),
  };
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
  const sums = new Map<string, Accumulated>();
  for (const metric of metricNames)
    for (const v of variantIds) sums.set(`${metric}\u0000${v}`, new Accumulated());
  const series: DailySummary[] = [];
  const apply = (day: number) => {
    for (const row of exposureDeltas.get(day) ?? []) {
      const u = units.get(row.variantId);
      if (u === undefined) continue;
      u.exposedUnits += row.firstUnits;
      u.exposures += row.exposures;
    }
    for (const row of metricDeltas.get(day) ?? []) {
      sums.get(`${row.metric}\u0000${row.variantId}`)?.add(row);
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
          ...sums.get(`${metric}\u0000${variantId}`)!.stats(units.get(variantId)!.exposedUnits),
        })),
      })),
    });
  }
  return { series, truncated };
}

/** The rows of one metric and variant added up, in whichever form they come. */
class Accumulated {
  private sum = 0;
  private sumSquares = 0;
  private reference: number | undefined;
  private valuedUnits = 0;
  // Compensated: a day's change can be large and cancel against a later day's (a unit's partial value).
  private readonly centredSum = new CompensatedSum();
  private readonly centredSquares = new CompensatedSum();

  add(row: PlainMetricRow | CentredMetricRow): void {
    if ("reference" in row) {
      this.reference = row.reference;
      this.valuedUnits += row.valuedUnits;
      this.centredSum.add(row.centredSum);
      this.centredSum.add(row.centredSumLow ?? 0);
      this.centredSquares.add(row.centredSquares);
      this.centredSquares.add(row.centredSquaresLow ?? 0);
    } else {
      this.sum += row.sum;
      this.sumSquares += row.sumSquares;
    }
  }

  /** The statistics over `n` exposed units (those without a value count as 0). */
  stats(n: number): MetricStats {
    if (this.reference !== undefined) {
      return statsFromCentred({
        n,
        reference: this.reference,
        valuedUnits: this.valuedUnits,
        centredSum: this.centredSum.value,
        centredSquares: this.centredSquares.value,
      });
    }
    // Plain sums carry no more than this; a store that keeps centred sums gives the exact value.
    const deviations = n === 0 ? 0 : Math.max(0, this.sumSquares - (this.sum * this.sum) / n);
    return { n, sum: this.sum, sumSquares: this.sumSquares, sumSquaredDeviations: deviations };
  }
}

/** One entry per pair asked for, in order, with every variant (0 where no unit has both values). */
function ratioSummaries(
  pairs: readonly RatioPair[],
  rows: SummaryRows,
  variantIds: readonly string[],
): RatioSummary[] {
  return pairs.map((pair) => ({
    numerator: pair.numerator,
    denominator: pair.denominator,
    variants: variantIds.map((variantId) => ({
      variantId,
      sumProducts:
        rows.ratios?.find(
          (r) =>
            r.numerator === pair.numerator && r.denominator === pair.denominator && r.variantId === variantId,
        )?.sumProducts ?? 0,
    })),
  }));
}

/** A windowed metric from the running totals a store keeps of it (SummaryRows.windowTotals). */
function windowedFromTotals(
  request: WindowRequest,
  index: number,
  rows: NonNullable<SummaryRows["windowTotals"]>,
  variants: readonly VariantSummary[],
): WindowedSummary {
  checkWindow(request.windowMs, `windowed[${JSON.stringify(request.metric)}].windowMs`);
  const totals = accumulate(rows.filter((r) => r.request === index));
  return {
    metric: request.metric,
    windowMs: request.windowMs,
    variants: variants.map((v) => ({
      variantId: v.variantId,
      ...(totals.get(v.variantId) ?? new Accumulated()).stats(v.exposedUnits),
    })),
  };
}

/** A metric's CUPED covariate statistics from the running totals a store keeps (SummaryRows.cupedTotals). */
function cupedFromTotals(
  request: CupedRequest,
  index: number,
  rows: SummaryRows,
  variants: readonly VariantSummary[],
): CupedSummary {
  checkWindow(request.preWindowMs, `cuped[${JSON.stringify(request.metric)}].preWindowMs`);
  const totals = accumulate((rows.cupedTotals ?? []).filter((r) => r.request === index));
  return {
    metric: request.metric,
    preWindowMs: request.preWindowMs,
    variants: variants.map((v) => {
      const x = (totals.get(v.variantId) ?? new Accumulated()).stats(v.exposedUnits);
      const products = (rows.cupedProducts ?? []).find(
        (p) => p.request === index && p.variantId === v.variantId,
      );
      return {
        variantId: v.variantId,
        sum: x.sum,
        sumSquares: x.sumSquares,
        sumProducts: products?.sumProducts ?? 0,
      };
    }),
  };
}

function accumulate(rows: ReadonlyArray<PlainMetricRow | CentredMetricRow>): Map<string, Accumulated> {
  const totals = new Map<string, Accumulated>();
  for (const row of rows) {
    const t = totals.get(row.variantId) ?? new Accumulated();
    t.add(row);
    totals.set(row.variantId, t);
  }
  return totals;
}

function checkWindow(ms: number, what: string): void {
  if (!(Number.isFinite(ms) && ms > 0)) {
    throw new InvalidContextError(`${what} must be a positive number of milliseconds, got ${ms}`);
  }
}

/** A capped metric a store answered from its own index (SummaryRows.cappedTotals), if it did. */
function cappedFromTotals(
  request: CapRequest,
  index: number,
  rows: SummaryRows,
  variants: readonly VariantSummary[],
): CappedSummary | undefined {
  const entry = rows.cappedTotals?.find((c) => c.request === index);
  if (entry === undefined) return undefined;
  const totals = accumulate(entry.rows);
  return {
    metric: request.metric,
    cap: entry.cap,
    capping: "value" in request ? { value: request.value } : { percentile: request.percentile },
    variants: variants.map((v) => ({
      variantId: v.variantId,
      ...(totals.get(v.variantId) ?? new Accumulated()).stats(v.exposedUnits),
    })),
  };
}
