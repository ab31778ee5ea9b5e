import type { TopLevelSpec } from "vega-lite";
import { renderSvg, variantColors } from "./vega.js";

/** The cumulative effect of one treatment on one metric at the end of one day. */
export interface TrendPoint {
  readonly day: string;
  readonly variant: string;
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The cumulative effect over time with its interval band, one line per treatment, one point per day
 * (days whose effect could not be estimated are left out; an unbounded band side is cut at the axis).
 */
export async function trendChart(
  metric: string,
  control: string,
  scale: "relative" | "absolute",
  points: readonly TrendPoint[],
  variants: readonly string[],
  width: number,
): Promise<string> {
  const finite = points.flatMap((p) => [p.low, p.high, p.estimate]).filter(Number.isFinite);
  const edge = Math.max(...finite.map(Math.abs), 1e-9) * 1.05;
  const values = points.map((p) => ({
    ...p,
    low: Number.isFinite(p.low) ? p.low : -edge,
    high: Number.isFinite(p.high) ? p.high : edge,
  }));
  // The first days' bands are wide (few units): scaled to them, the days that matter would be a flat line.
  // The axis spans every estimate and the bands of the later half of the days; earlier bands are clipped.
  const days = [...new Set(points.map((p) => p.day))].sort();
  const settledFrom = days[Math.floor(days.length / 2)] ?? "";
  const inView = [
    0,
    ...values.map((p) => p.estimate),
    ...values.filter((p) => p.day >= settledFrom).flatMap((p) => [p.low, p.high]),
  ].filter(Number.isFinite);
  const low = Math.min(...inView);
  const high = Math.max(...inView);
  const pad = (high - low) * 0.08 || 0.01;
  const domain = [low - pad, high + pad];
  const all = variantColors(control, variants);
  // The control is the zero line, not a series: the legend names the treatments only.
  const colors = { domain: all.domain.slice(1), range: all.range.slice(1) };
  const y = {
    type: "quantitative" as const,
    scale: { domain, nice: true },
    axis: { title: `cumulative effect on ${metric}`, format: scale === "relative" ? "+.0%" : "+.3~g" },
  };
  const x = {
    field: "day",
    type: "temporal" as const,
    timeUnit: "utcyearmonthdate" as const,
    axis: { title: null, format: "%b %d", labelAngle: 0, tickCount: width < 400 ? 4 : 8 },
  };
  const color = { field: "variant", type: "nominal" as const, scale: colors, legend: { title: null } };
  const spec: TopLevelSpec = {
    width,
    height: 220,
    data: { values },
    layer: [
      {
        mark: { type: "area", opacity: 0.15, clip: true },
        encoding: { x, y: { field: "low", ...y }, y2: { field: "high" }, color },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#111827", strokeDash: [3, 3] },
        encoding: { y: { field: "zero", ...y } },
      },
      {
        mark: { type: "line", strokeWidth: 2, clip: true },
        encoding: { x, y: { field: "estimate", ...y }, color },
      },
      {
        name: "day",
        mark: { type: "point", filled: true, size: 28, opacity: 1 },
        encoding: { x, y: { field: "estimate", ...y }, color },
      },
    ],
  };
  return renderSvg(spec, `cumulative effect on ${metric} over time, with its confidence band`);
}
