import type { OutcomeKind, OutcomeValue } from "@assay/core";
import { CliError, EXIT } from "../exit-codes.js";
import type { SeededRandom } from "./random.js";
import type { SimulationSpec } from "./spec.js";

/** The control's rates: a 10% conversion, 5% for other yes/no metrics, 2% for guardrails (errors, refunds). */
export const BASE_RATES = Object.freeze({ conversion: 0.1, other: 0.05, guardrail: 0.02 });
/** A converting unit's order value: log-normal with this log-sd (a long right tail, as baskets have), mean 50 by default. */
export const ORDER_VALUE = Object.freeze({ mean: 50, logSd: 0.6 });
/** A count metric (items viewed, searches): Poisson with this mean per unit. */
export const COUNT_MEAN = 1.5;

/** How one metric is drawn for units of one variant. */
export type MetricModel =
  | { readonly metric: string; readonly kind: "bool"; readonly conversion: boolean; readonly rate: number }
  | {
      readonly metric: string;
      readonly kind: "numeric";
      readonly perConversion: boolean;
      readonly mean: number;
    }
  | { readonly metric: string; readonly kind: "count"; readonly mean: number };

/**
 * Per variant, the model of every metric with the spec's true effects built in. The first bool metric is the
 * conversion; a numeric metric is then the order value of a converting unit, scaled so that its mean *per
 * unit* (what the report compares) moves by exactly its own effect, whatever the conversion's: an effect of 0
 * on revenue with +10% conversion means smaller baskets, not more revenue.
 */
export function metricModels(
  spec: Pick<SimulationSpec, "metrics" | "effects" | "orderValue">,
  variants: readonly string[],
  control: string,
  guardrails: readonly string[],
): Map<string, MetricModel[]> {
  const conversion = spec.metrics.find((m) => m.kind === "bool")?.metric;
  const lift = (variant: string, metric: string) => {
    if (variant === control) return 1;
    let factor = 1;
    for (const e of spec.effects) {
      if (e.metric === metric && (e.variant === undefined || e.variant === variant)) factor *= 1 + e.relative;
    }
    return factor;
  };
  const models = new Map<string, MetricModel[]>();
  for (const variant of variants) {
    const list: MetricModel[] = [];
    for (const { metric, kind } of spec.metrics) list.push(model(variant, metric, kind));
    models.set(variant, list);
  }
  return models;

  function model(variant: string, metric: string, kind: OutcomeKind): MetricModel {
    const factor = lift(variant, metric);
    if (kind === "bool") {
      const base =
        metric === conversion
          ? BASE_RATES.conversion
          : guardrails.includes(metric)
            ? BASE_RATES.guardrail
            : BASE_RATES.other;
      const rate = base * factor;
      if (rate > 1) {
        throw new CliError(
          `--effect on ${metric}: ${variant}'s rate would be ${(rate * 100).toFixed(1)}% (base ${base * 100}%), above 100%`,
          EXIT.USAGE,
        );
      }
      return { metric, kind, conversion: metric === conversion, rate };
    }
    if (kind === "numeric") {
      const perConversion = conversion !== undefined;
      const conversionLift = perConversion ? lift(variant, conversion) : 1;
      return { metric, kind, perConversion, mean: (spec.orderValue * factor) / conversionLift };
    }
    return { metric, kind, mean: COUNT_MEAN * factor };
  }
}

/** One draw of a numeric model: a log-normal amount with the model's mean, in cents. */
export function orderValue(random: SeededRandom, mean: number): OutcomeValue {
  const mu = Math.log(mean) - (ORDER_VALUE.logSd * ORDER_VALUE.logSd) / 2;
  return {
    kind: "numeric",
    value: Math.round(Math.exp(mu + ORDER_VALUE.logSd * random.normal()) * 100) / 100,
  };
}
