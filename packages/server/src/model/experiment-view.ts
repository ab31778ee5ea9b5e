import type { ExperimentDefinition, ExperimentSummary } from "@assay/core";
import type { ExposureBar } from "../charts/exposures.js";
import type { TrendPoint } from "../charts/trend.js";
import type { DashboardReport, DashboardSource } from "../source.js";

export type ExperimentStatus = "running" | "disabled" | "no data";

/** Everything a page of one experiment shows, computed once per request from the store's summary. */
export interface ExperimentView {
  readonly definition: ExperimentDefinition;
  readonly summary: ExperimentSummary;
  readonly report: DashboardReport;
  readonly status: ExperimentStatus;
  readonly unitsExposed: number;
  /** Days from the first exposure to the last counted event (UTC days, inclusive). */
  readonly daysRunning: number;
  /** Every variant the manifest declares, then any the store holds that it does not, control first. */
  readonly variants: readonly string[];
  /** The metric the trend follows: the first primary metric, or the first recorded one. */
  readonly trendMetric: string | undefined;
  readonly trend: readonly TrendPoint[];
  readonly exposures: readonly ExposureBar[];
}

/** Reads one experiment from the source and derives its status, daily trend and exposures. */
export async function experimentView(
  source: DashboardSource,
  definition: ExperimentDefinition,
): Promise<ExperimentView> {
  const summary = await source.summarize(definition.id, { daily: true });
  const report = source.report(definition, summary);
  const unitsExposed = summary.variants.reduce((total, v) => total + v.exposedUnits, 0);
  const status: ExperimentStatus = !definition.enabled
    ? "disabled"
    : unitsExposed === 0
      ? "no data"
      : "running";
  const declared = definition.variants.map((v) => v.id);
  const variants = [
    report.control,
    ...declared.filter((v) => v !== report.control),
    ...summary.variants.map((v) => v.variantId).filter((v) => v !== report.control && !declared.includes(v)),
  ];
  const trendMetric = report.treatments[0]?.metrics[0]?.metric;
  return {
    definition,
    summary,
    report,
    status,
    unitsExposed,
    daysRunning: summary.daily?.length ?? 0,
    variants,
    trendMetric,
    trend: trendMetric === undefined ? [] : trendOf(source, definition, summary, trendMetric),
    exposures: exposuresOf(summary),
  };
}

/**
 * The report of each day's cumulative summary, through the same `report` function as the whole: the
 * band is exactly the CI the report would have shown at the end of that day.
 */
function trendOf(
  source: DashboardSource,
  definition: ExperimentDefinition,
  summary: ExperimentSummary,
  metric: string,
): TrendPoint[] {
  const kinds = new Map(summary.metrics.map((m) => [m.metric, m.kind]));
  const points: TrendPoint[] = [];
  for (const day of summary.daily ?? []) {
    // Only the followed metric: the others would be evaluated for nothing (14 days × 20 metrics × arms).
    // Its CI does not depend on them: a primary metric's CI is the test's unadjusted one.
    const daySummary: ExperimentSummary = {
      experiment: summary.experiment,
      variants: day.variants,
      metrics: day.metrics
        .filter((m) => m.metric === metric)
        .map((m) => ({
          metric: m.metric,
          kind: kinds.get(m.metric) ?? "numeric",
          variants: m.variants,
        })),
      unitsInSeveralVariants: 0,
      unattributedOutcomes: 0,
    };
    const report = source.report(definition, daySummary);
    for (const treatment of report.treatments) {
      const result = treatment.metrics.find((m) => m.metric === metric);
      if (result === undefined || result.verdict === "insufficient-data" || !Number.isFinite(result.estimate))
        continue;
      points.push({
        day: day.day,
        variant: treatment.variant,
        estimate: result.estimate,
        low: result.ci[0],
        high: result.ci[1],
      });
    }
  }
  return points;
}

/** New units per day per variant: the difference of the cumulative daily counts. */
function exposuresOf(summary: ExperimentSummary): ExposureBar[] {
  const bars: ExposureBar[] = [];
  const previous = new Map<string, number>();
  for (const day of summary.daily ?? []) {
    for (const v of day.variants) {
      bars.push({
        day: day.day,
        variant: v.variantId,
        units: v.exposedUnits - (previous.get(v.variantId) ?? 0),
      });
      previous.set(v.variantId, v.exposedUnits);
    }
  }
  return bars;
}
