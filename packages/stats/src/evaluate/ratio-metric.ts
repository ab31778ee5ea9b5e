import type { MetricSummary } from "@assay/core";
import { linearizedRatio } from "../ratio/ratio.js";
import type { SummaryInput } from "./summary.js";

/**
 * A ratio metric of the plan as a summary metric `evaluate` measures like any mean: per variant the
 * linearized per-unit values of Σ numerator / Σ denominator (the delta method over units, covariance term
 * included; see `linearizedRatio`), from the two metrics' own sums and the summary's cross-products.
 * Undefined when the summary cannot give it (either metric not recorded, no cross-products, or an arm with
 * units but no denominator): the metric is then insufficient data, never "no effect".
 */
export function ratioMetric(
  name: string,
  ratio: { readonly numerator: string; readonly denominator: string },
  summary: SummaryInput,
  exposed: ReadonlyMap<string, number>,
): MetricSummary | undefined {
  const x = summary.metrics.find((m) => m.metric === ratio.numerator);
  const y = summary.metrics.find((m) => m.metric === ratio.denominator);
  const products = summary.ratios?.find(
    (r) => r.numerator === ratio.numerator && r.denominator === ratio.denominator,
  );
  if (x === undefined || y === undefined || products === undefined) return undefined;
  const variants: Array<MetricSummary["variants"][number]> = [];
  for (const [variantId, units] of exposed) {
    const xs = x.variants.find((v) => v.variantId === variantId);
    const ys = y.variants.find((v) => v.variantId === variantId);
    const sumProducts = products.variants.find((v) => v.variantId === variantId)?.sumProducts ?? 0;
    const n = xs?.n ?? ys?.n ?? units;
    const sumDenominator = ys?.sum ?? 0;
    if (n > 0 && sumDenominator === 0) return undefined;
    const linear = linearizedRatio(
      {
        n,
        sumNumerator: xs?.sum ?? 0,
        sumDenominator,
        sumNumeratorSquares: xs?.sumSquares ?? 0,
        sumDenominatorSquares: ys?.sumSquares ?? 0,
        sumProducts,
      },
      `summary.ratios[${ratio.numerator}/${ratio.denominator}].${variantId}`,
    );
    const sum = linear.sum;
    const deviations = linear.sumSquaredDeviations ?? 0;
    variants.push({
      variantId,
      n: linear.n,
      sum,
      sumSquares: deviations + (n === 0 ? 0 : (sum * sum) / n),
      sumSquaredDeviations: deviations,
    });
  }
  return { metric: name, kind: "numeric", variants };
}
