import type { BreakdownSummary } from "@assay/core";
import { adjust } from "../adjust/adjust.js";
import { checkObject, show } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import type { ExperimentPlan } from "./plan.js";
import type { ArmReport, ExperimentReport, MetricResult } from "./report.js";
import { checkSummary, type SummaryInput } from "./summary.js";

/** One metric of one treatment in one slice, with its p-value adjusted across every test of the breakdown. */
export interface SliceMetricResult extends MetricResult {
  /**
   * The p-value Holm-adjusted across every slice × treatment × metric tested in the breakdown
   * (`BreakdownReport.tests`); `significant` reads this one, at the plan's alpha (guardrails: its
   * guardrail alpha).
   */
  readonly breakdownAdjustedPValue: number;
}

/** The report of one slice: its units, its own SRM check and the plan's metrics over its units. */
export interface SliceReport {
  /** The dimension's value; null: the units whose first exposure did not carry the dimension. */
  readonly value: string | null;
  readonly units: number;
  readonly arms: readonly ArmReport[];
  /**
   * The slice's own sample-ratio check against the plan's weights (a dimension recorded at exposure is a
   * pre-treatment attribute, so each slice should split as the whole does). A mismatch says the slice's
   * results cannot be trusted, whatever the whole experiment's check says.
   */
  readonly srm: ExperimentReport["srm"];
  readonly treatments: ReadonlyArray<{
    readonly variant: string;
    readonly metrics: readonly SliceMetricResult[];
  }>;
  /** What evaluate noted on the slice (too few units, metrics a slice cannot measure...). */
  readonly warnings: readonly string[];
}

/**
 * A report cut by one dimension (`assay results --by country`): every slice evaluated with the experiment's
 * plan, each with its SRM check, and the multiple-comparison caveat. Slice results are exploratory: the
 * experiment's decision is the whole population's; with many slices some will differ by chance alone, which is
 * why every slice p-value is adjusted across all `tests` of the breakdown (Holm, family-wise).
 */
export interface BreakdownReport {
  readonly dimension: string;
  readonly slices: readonly SliceReport[];
  /** Slice × treatment × metric tests run (those with data), the family the adjustment covers. */
  readonly tests: number;
  /** Slices with units, and the plan's metrics tested in each. */
  readonly slicesTested: number;
  readonly metricsTested: number;
  readonly correction: "holm";
  /** The caveat in words, for a report to print as is. */
  readonly caveat: string;
}

/**
 * Evaluates each slice of `breakdown` with `plan` (through `evaluateSlice`, the experiment's own evaluate),
 * then adjusts every slice p-value across the whole breakdown. Slices hold the summary's variants and its
 * mean and proportion metrics; a ratio, capped, windowed or quantile metric has no slice statistics
 * (insufficient-data in every slice, said in the slice's warnings), and CUPED is not applied in slices.
 */
export function evaluateBreakdown(
  plan: ExperimentPlan,
  breakdown: BreakdownSummary,
  experiment: string,
  alpha: { readonly alpha: number; readonly guardrailAlpha: number },
  evaluateSlice: (plan: ExperimentPlan, summary: SummaryInput) => ExperimentReport,
): BreakdownReport {
  const b = checkObject(breakdown, "summary.breakdown");
  if (typeof b.dimension !== "string")
    throw new StatsInputError("summary.breakdown.dimension", `must be a string, got ${show(b.dimension)}`);
  if (!Array.isArray(b.slices))
    throw new StatsInputError("summary.breakdown.slices", `must be an array, got ${show(b.slices)}`);
  const reports = breakdown.slices.map((slice, i) => {
    const field = `summary.breakdown.slices[${i}]`;
    if (slice.value !== null && typeof slice.value !== "string")
      throw new StatsInputError(`${field}.value`, `must be a string or null, got ${show(slice.value)}`);
    const summary = checkSummary(
      {
        experiment,
        variants: slice.variants,
        metrics: slice.metrics,
        unitsInSeveralVariants: 0,
        unattributedOutcomes: 0,
      },
      field,
    );
    const units = slice.variants.reduce((n, v) => n + v.exposedUnits, 0);
    return { value: slice.value, units, report: evaluateSlice(plan, summary) };
  });
  // The family: every slice test with data, whatever its role (each is a look at the same question).
  const tested = reports.flatMap((r) =>
    r.report.treatments.flatMap((t) => t.metrics.filter((m) => m.warning === undefined)),
  );
  const adjusted = adjust(
    tested.map((m) => m.pValue),
    "holm",
  );
  const adjustedOf = new Map<MetricResult, number>(tested.map((m, i) => [m, adjusted[i] ?? 1]));
  const slices: SliceReport[] = reports.map(({ value, units, report }) => ({
    value,
    units,
    arms: report.arms,
    srm: report.srm,
    treatments: report.treatments.map((t) => ({
      variant: t.variant,
      metrics: t.metrics.map((m) => {
        const p = adjustedOf.get(m) ?? 1;
        const level = m.role === "guardrail" ? alpha.guardrailAlpha : alpha.alpha;
        return { ...m, breakdownAdjustedPValue: p, significant: m.warning === undefined && p < level };
      }),
    })),
    warnings: report.warnings,
  }));
  const slicesTested = slices.filter((s) => s.units > 0).length;
  const metricsTested = new Set(tested.map((m) => m.metric)).size;
  const tests = tested.length;
  return {
    dimension: breakdown.dimension,
    slices,
    tests,
    slicesTested,
    metricsTested,
    correction: "holm",
    caveat:
      `${tests} tests across ${slicesTested} slices of ${breakdown.dimension} × ${metricsTested} metrics` +
      " (× treatments): with this many, some slices differ by chance alone. Slice results are exploratory; the" +
      " decision is the whole experiment's. Their p-values are Holm-adjusted across all of these tests, and a" +
      " slice whose own SRM check fails cannot be read at all.",
  };
}
