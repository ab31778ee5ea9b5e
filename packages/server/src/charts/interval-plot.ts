import type { TopLevelSpec } from "vega-lite";
import type { DashboardMetric } from "../source.js";
import { renderSvg, variantColors } from "./vega.js";

/** One treatment's estimate and interval for one metric. */
export interface IntervalRow {
  readonly variant: string;
  readonly metric: DashboardMetric;
}

/**
 * The effect of every treatment on one metric with its CI, against a rule at zero, on one axis shared by
 * the treatments. A row that could not be tested has no mark (the table beside it says why). An
 * unbounded side of a CI is drawn to the edge of the axis and flagged in the tooltip text.
 */
export async function intervalPlot(
  metric: string,
  control: string,
  rows: readonly IntervalRow[],
  variants: readonly string[],
  width: number,
): Promise<string> {
  const tested = rows.filter((r) => r.metric.verdict !== "insufficient-data");
  const scale = tested[0]?.metric.scale ?? "relative";
  const finite = tested
    .flatMap((r) => [r.metric.ci[0], r.metric.ci[1], r.metric.estimate])
    .filter(Number.isFinite);
  const span = Math.max(...finite.map(Math.abs), 1e-9);
  const edge = span * 1.15;
  const values = tested.map((r) => ({
    variant: r.variant,
    estimate: r.metric.estimate,
    low: Number.isFinite(r.metric.ci[0]) ? r.metric.ci[0] : -edge,
    high: Number.isFinite(r.metric.ci[1]) ? r.metric.ci[1] : edge,
    significant: r.metric.significant ? "significant" : "not significant",
  }));
  const colors = variantColors(control, variants);
  const x = {
    type: "quantitative" as const,
    scale: { domain: [-edge, edge], nice: true, zero: true },
    axis: {
      title: scale === "relative" ? `effect vs ${control} (relative)` : `effect vs ${control} (absolute)`,
      format: scale === "relative" ? "+.0%" : "+.3~g",
      tickCount: 5,
    },
  };
  const y = {
    field: "variant",
    type: "nominal" as const,
    sort: rows.map((r) => r.variant),
    scale: { domain: rows.map((r) => r.variant) },
    axis: { title: null, labelFontSize: 12, labelColor: "#111827" },
  };
  const color = { field: "variant", type: "nominal" as const, scale: colors, legend: null };
  const spec: TopLevelSpec = {
    width,
    height: Math.max(36, 34 * rows.length),
    data: { values },
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#111827", strokeWidth: 1, strokeDash: [3, 3] },
        encoding: { x: { field: "zero", ...x } },
      },
      {
        mark: { type: "rule", strokeWidth: 3, strokeCap: "round" },
        encoding: { y, x: { field: "low", ...x }, x2: { field: "high" }, color },
      },
      {
        name: "estimate",
        mark: { type: "point", filled: true, size: 90, stroke: "white", strokeWidth: 1.5, opacity: 1 },
        encoding: { y, x: { field: "estimate", ...x }, color },
      },
    ],
  };
  return renderSvg(spec, `${metric}: effect and confidence interval per treatment`);
}
