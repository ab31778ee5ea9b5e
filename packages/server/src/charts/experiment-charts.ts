import type { ExperimentView } from "../model/experiment-view.js";
import { exposuresChart } from "./exposures.js";
import { type IntervalRow, intervalPlot } from "./interval-plot.js";
import { trendChart } from "./trend.js";

/** The plot width (data area, without axes) for the desktop column and for a phone held upright. */
export const CHART_WIDTHS = { wide: 800, narrow: 270 } as const;
export type ChartSize = keyof typeof CHART_WIDTHS;
export type ChartName = "interval" | "trend" | "exposures";

/** The rows of one metric's interval plot: one per treatment that reports the metric. */
export function intervalRows(view: ExperimentView, metric: string): IntervalRow[] {
  return view.report.treatments.flatMap((t) => {
    const m = t.metrics.find((x) => x.metric === metric);
    return m === undefined ? [] : [{ variant: t.variant, metric: m }];
  });
}

/** Draws one chart of an experiment's view, or undefined when it has no such chart (unknown metric). */
export async function drawChart(
  view: ExperimentView,
  name: ChartName,
  size: ChartSize,
  metric: string | undefined,
): Promise<string | undefined> {
  const width = CHART_WIDTHS[size];
  const control = view.report.control;
  if (name === "interval") {
    const rows = metric === undefined ? [] : intervalRows(view, metric);
    if (metric === undefined || rows.length === 0) return undefined;
    return intervalPlot(metric, control, rows, view.variants, width);
  }
  if (name === "trend") {
    const trendMetric = view.trendMetric;
    if (trendMetric === undefined || view.trend.length === 0) return undefined;
    const scale =
      view.report.treatments[0]?.metrics.find((m) => m.metric === trendMetric)?.scale ?? "relative";
    return trendChart(trendMetric, control, scale, view.trend, view.variants, width);
  }
  if (view.exposures.length === 0) return undefined;
  return exposuresChart(control, view.exposures, view.variants, width);
}
