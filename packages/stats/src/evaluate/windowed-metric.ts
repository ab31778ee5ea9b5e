import type { MetricSummary } from "@assay/core";
import type { SummaryInput } from "./summary.js";

/**
 * A windowed metric of the plan: the summary's windowed statistics of its outcome with the same window, as the
 * summary metric `evaluate` measures. Undefined when the summary has none (the store was not asked for it, or
 * the outcome is not recorded): the metric is then insufficient data, never read without its window.
 */
export function windowedMetric(
  name: string,
  outcome: string,
  windowMs: number,
  summary: SummaryInput,
): MetricSummary | undefined {
  const recorded = summary.metrics.find((m) => m.metric === outcome);
  const windowed = summary.windowed?.find((w) => w.metric === outcome && w.windowMs === windowMs);
  if (recorded === undefined || windowed === undefined) return undefined;
  return { metric: name, kind: recorded.kind, variants: windowed.variants };
}
