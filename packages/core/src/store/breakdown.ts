import { InvalidContextError } from "../errors/experiment-error.js";
import { dimensionNameProblem } from "../records/dimensions.js";
import type { OutcomeKind } from "../records/outcome-value.js";
import { statsFromCentred, statsOfValues } from "./centred-moments.js";
import type { MetricSummary, VariantSummary } from "./event-store.js";
import type { CentredMetricRow } from "./summary-rows.js";

/**
 * One slice of a breakdown: the units whose first exposure carried `value` for the dimension (`null`: the
 * units whose first exposure did not carry it), with the whole summary's variants and metrics, in the same
 * order, over those units only. A slice's variants are all the summary's variants, 0 where the slice has none.
 */
export interface BreakdownSlice {
  readonly value: string | null;
  readonly variants: readonly VariantSummary[];
  readonly metrics: readonly MetricSummary[];
}

/**
 * A summary cut by one dimension (`SummaryQuery.breakdown`): one slice per value seen on the units' first
 * exposures, sorted, and the `null` slice last when some units' first exposure did not carry the dimension.
 * Every exposed unit is in exactly one slice, so the slices' exposed units add up to the summary's.
 */
export interface BreakdownSummary {
  readonly dimension: string;
  readonly slices: readonly BreakdownSlice[];
}

/**
 * What a store reads for a breakdown: per slice value and variant (of the unit's first exposure), the units and
 * their raw exposures; and the per-unit value of every metric of the units that have one, with the unit's
 * slice value and variant. O(units) rows: a store reads them from its per-unit rollups at summary time.
 */
export interface BreakdownRows {
  readonly units: ReadonlyArray<{
    readonly value: string | null;
    readonly variantId: string;
    readonly units: number;
    readonly exposures: number;
  }>;
  readonly values: ReadonlyArray<{
    readonly value: string | null;
    readonly variantId: string;
    readonly metric: string;
    readonly v: number;
  }>;
  /**
   * Instead of `values`, a store that keeps the slices' running totals gives them: per slice value, variant and
   * metric, the centred sums of `SummaryRows.metrics` (one row each).
   */
  readonly totals?: ReadonlyArray<{ readonly value: string | null } & CentredMetricRow>;
}

/** Throws INVALID_CONTEXT unless `dimension` can name a dimension (see dimensionNameProblem). */
export function requireBreakdownDimension(dimension: unknown): asserts dimension is string {
  const problem = typeof dimension === "string" ? dimensionNameProblem(dimension) : "must be a string";
  if (problem !== undefined) throw new InvalidContextError(`breakdown ${problem}`);
}

/**
 * The breakdown from the rows a store read, for the summary's variants and metrics (name and kind, in order).
 * Every store assembles its breakdown with this function, the memory reference too, so they agree by
 * construction on everything but the rows. Units without a value of a metric count as 0, as in the summary.
 */
export function breakdownSummary(
  dimension: string,
  rows: BreakdownRows,
  variants: readonly VariantSummary[],
  metrics: ReadonlyArray<{ readonly metric: string; readonly kind: OutcomeKind }>,
): BreakdownSummary {
  const key = (value: string | null, variantId: string) => `${value ?? "\u0000"}\u0001${variantId}`;
  const units = new Map<string, { units: number; exposures: number }>();
  const seen = new Set<string | null>();
  for (const row of rows.units) {
    // a slice is made by units; rows of exposures alone (a unit's exposures to another variant) add to it
    if (row.units > 0) seen.add(row.value);
    const k = key(row.value, row.variantId);
    const u = units.get(k) ?? { units: 0, exposures: 0 };
    u.units += row.units;
    u.exposures += row.exposures;
    units.set(k, u);
  }
  const totals = new Map<string, CentredMetricRow>();
  for (const row of rows.totals ?? []) totals.set(`${key(row.value, row.variantId)}\u0001${row.metric}`, row);
  const valued = new Map<string, number[]>();
  for (const row of rows.values) {
    const k = `${key(row.value, row.variantId)}\u0001${row.metric}`;
    const list = valued.get(k) ?? [];
    list.push(row.v);
    valued.set(k, list);
  }
  const values = [...seen].filter((v): v is string => v !== null).sort();
  const ordered: Array<string | null> = seen.has(null) ? [...values, null] : values;
  return {
    dimension,
    slices: ordered.map((value) => {
      const sliceVariants = variants.map((v) => ({
        variantId: v.variantId,
        exposedUnits: units.get(key(value, v.variantId))?.units ?? 0,
        exposures: units.get(key(value, v.variantId))?.exposures ?? 0,
      }));
      return {
        value,
        variants: sliceVariants,
        metrics: metrics.map(({ metric, kind }) => ({
          metric,
          kind,
          variants: sliceVariants.map((v) => {
            const total = totals.get(`${key(value, v.variantId)}\u0001${metric}`);
            if (rows.totals !== undefined)
              return { variantId: v.variantId, ...statsOfTotal(total, v.exposedUnits) };
            const list = [...(valued.get(`${key(value, v.variantId)}\u0001${metric}`) ?? [])];
            while (list.length < v.exposedUnits) list.push(0);
            return { variantId: v.variantId, ...statsOfValues(list) };
          }),
        })),
      };
    }),
  };
}

/** A slice's statistics over `n` exposed units from its one totals row (none: every unit is 0). */
function statsOfTotal(row: CentredMetricRow | undefined, n: number) {
  if (row === undefined)
    return statsFromCentred({ n, reference: 0, valuedUnits: 0, centredSum: 0, centredSquares: 0 });
  return statsFromCentred({
    n,
    reference: row.reference,
    valuedUnits: row.valuedUnits,
    centredSum: row.centredSum + (row.centredSumLow ?? 0),
    centredSquares: row.centredSquares + (row.centredSquaresLow ?? 0),
  });
}
