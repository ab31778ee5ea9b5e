import type { MetricSummary } from "@assay/core";
import type { SummaryInput } from "./summary.js";

/**
 * A capped metric of the plan: the summary's capped statistics of its outcome, with the same capping asked
 * for, as the summary metric `evaluate` measures, and the cap used. Undefined when the summary has none (the
 * store was not asked for it, or the outcome is not recorded): the metric is then insufficient data, never
 * read uncapped.
 */
export function cappedMetric(
  name: string,
  outcome: string,
  capping: { readonly value: number } | { readonly percentile: number },
  summary: SummaryInput,
): { metric: MetricSummary; cap: number } | undefined {
  const recorded = summary.metrics.find((m) => m.metric === outcome);
  const capped = summary.capped?.find(
    (c) =>
      c.metric === outcome &&
      ("value" in capping
        ? "value" in c.capping && c.capping.value === capping.value
        : "percentile" in c.capping && c.capping.percentile === capping.percentile),
  );
  if (recorded === undefined || capped === undefined) return undefined;
  return { metric: { metric: name, kind: recorded.kind, variants: capped.variants }, cap: capped.cap };
}
