import type { ExperimentPlan, MetricRole, PlanMetric } from "@assay/stats";
import { fixedHorizonSampleRule } from "../rules/fixed-horizon-sample-rule.js";
import { uniqueMetricsRule } from "../rules/unique-metrics-rule.js";
import { isTable } from "../toml-value.js";
import { type Check, type CheckContext, INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { finiteNumber, flag, integer, mismatch, oneOf, probability, recordedName } from "./scalars.js";
import { optional, required, type TableSchema, tableOf } from "./table.js";

/**
 * The analysis settings written under `[plugins.experiments.analysis]`: an {@link ExperimentPlan} without
 * `control` and `weights`, which come from the experiment's variants.
 */
export type AnalysisSettings = Omit<ExperimentPlan, "control" | "weights">;

/** The TOML spelling of the metric lists, by role. */
export const METRIC_LISTS: ReadonlyArray<readonly [key: string, role: MetricRole]> = [
  ["primary", "primary"],
  ["secondary", "secondary"],
  ["guardrails", "guardrail"],
];

const METRIC_EXAMPLE = '{ metric = "checkout", direction = "increase" }';
const SCALE = oneOf(["relative", "absolute"] as const, {
  expected: '"relative" (effects as a share of the control mean, the default) or "absolute"',
});

const metricName = recordedName({
  expected: 'a non-empty string (a metric name as tracked, e.g. "checkout")',
});

/** `margin` outside `guardrails`: always reported, saying where it belongs. */
const guardrailOnly: Check<number> = (_value, path, ctx) => {
  ctx.report(
    path,
    "applies to guardrails only (the non-inferiority margin a guardrail must be shown within before a ship); " +
      "remove it, or list this metric under `guardrails`",
    "key",
  );
  return INVALID;
};

function metricFields(role: MetricRole) {
  return {
    metric: required(metricName, 'the metric name as tracked, e.g. metric = "checkout"'),
    direction: optional(
      oneOf(["increase", "decrease"] as const, {
        expected: '"increase" (higher is better, the default) or "decrease" (lower is better)',
      }),
    ),
    scale: optional(SCALE),
    margin: optional(
      role === "guardrail"
        ? finiteNumber({
            expected:
              "a finite number >= 0 (the non-inferiority margin, in the metric's scale: 0.01 = 1% relative; the treatment must be shown no worse than it to ship)",
            min: 0,
          })
        : guardrailOnly,
    ),
  };
}

type MetricFields = ReturnType<typeof metricFields>;

function metricSchema(role: MetricRole): TableSchema<MetricFields, PlanMetric> {
  return {
    where: role === "guardrail" ? "in guardrail" : `in ${role} metric`,
    fields: metricFields(role),
    build: (values, _path, ctx) =>
      withDefinition(
        {
          metric: values.metric,
          ...(values.direction === undefined ? {} : { direction: values.direction }),
          ...(values.scale === undefined ? {} : { scale: values.scale }),
          ...(values.margin === undefined ? {} : { margin: values.margin }),
        },
        ctx,
      ),
  };
}

/**
 * A plan entry naming a `[[metrics]]` definition reads what the definition says: its outcome, its kind and,
 * unless the entry sets its own, its direction. Any other name is a recorded outcome's, as before.
 */
function withDefinition(entry: PlanMetric, ctx: CheckContext): PlanMetric {
  const definition = ctx.metrics?.get(entry.metric);
  if (definition === undefined) return Object.freeze(entry);
  const direction = entry.direction ?? definition.direction;
  const kind =
    definition.kind === "ratio" && definition.numerator !== undefined && definition.denominator !== undefined
      ? { ratio: Object.freeze({ numerator: definition.numerator, denominator: definition.denominator }) }
      : definition.kind === "quantile" && definition.quantile !== undefined
        ? {
            quantile: Object.freeze({
              probability: definition.quantile,
              ...(definition.ignoreZeros === true ? { ignoreZeros: true } : {}),
            }),
          }
        : definition.kind === "mean" || definition.kind === "proportion"
          ? { type: definition.kind }
          : {};
  return Object.freeze({
    ...entry,
    ...(definition.outcome === definition.name || "ratio" in kind ? {} : { outcome: definition.outcome }),
    ...kind,
    ...(definition.capping === undefined ? {} : { capping: definition.capping }),
    ...(definition.windowMs === undefined ? {} : { windowMs: definition.windowMs }),
    ...(definition.cuped === undefined ? {} : { cuped: definition.cuped }),
    ...(direction === undefined ? {} : { direction }),
  });
}

/** One element of a metric list: a bare metric name, or an inline table with its settings. */
function metricEntry(role: MetricRole): Check<PlanMetric> {
  const table = tableOf(metricSchema(role), `a metric name or an inline table like ${METRIC_EXAMPLE}`);
  return (value, path, ctx) => {
    if (isTable(value)) return table(value, path, ctx);
    if (typeof value !== "string") {
      return mismatch(ctx, path, `a metric name or an inline table like ${METRIC_EXAMPLE}`, value);
    }
    const name = metricName(value, path, ctx);
    return name === INVALID ? INVALID : withDefinition({ metric: name }, ctx);
  };
}

function metricList(role: MetricRole, min?: { count: number; why: string }): Check<PlanMetric[]> {
  return arrayOf(metricEntry(role), {
    expected: `an array of metrics, e.g. [${METRIC_EXAMPLE}] or ["checkout"]`,
    ...(min === undefined ? {} : { min }),
  });
}

const TUNING =
  "a number > 0 (the total units of the two arms compared at which the sequential test is tightest, e.g. 5000)";

const sequentialTable = tableOf(
  {
    where: "in sequential",
    fields: { tuning: optional(finiteNumber({ expected: TUNING, min: 0, exclusive: true })) },
    build: (values) => Object.freeze(values.tuning === undefined ? {} : { tuning: values.tuning }),
  },
  "a table",
);

const SEQUENTIAL_EXPECTED =
  "true (sequential testing, safe to look at any time), false (fixed horizon, the default), " +
  "or a table like { tuning = 5000 }";
const sequentialFlag = flag({ expected: SEQUENTIAL_EXPECTED });

/** `sequential = true | false | { tuning = N }`; false is the fixed-horizon default. */
const sequential: Check<{ tuning?: number } | false> = (value, path, ctx) => {
  if (isTable(value)) return sequentialTable(value, path, ctx);
  const on = sequentialFlag(value, path, ctx);
  return on === INVALID ? INVALID : on ? Object.freeze({}) : false;
};

/** Keys of `[plugins.experiments.analysis]`: snake_case spellings of {@link ExperimentPlan}. */
export const analysisFields = {
  primary: required(
    metricList("primary", { count: 1, why: "primary metric (the one the decision is made on)" }),
    'the metrics the decision is made on, e.g. primary = [{ metric = "checkout" }]',
  ),
  secondary: optional(metricList("secondary")),
  guardrails: optional(metricList("guardrail")),
  alpha: optional(
    probability({ expected: "a number strictly between 0 and 1 (the significance level, e.g. 0.05)" }),
  ),
  correction: optional(
    oneOf(["holm", "bonferroni", "bh", "none"] as const, {
      expected:
        '"holm" (the default), "bonferroni", "bh" (Benjamini-Hochberg) or "none" (the multiple-comparison correction)',
    }),
  ),
  scale: optional(SCALE),
  sequential: optional(sequential),
  minimum_sample: optional(
    integer({ expected: "a whole number >= 1 (the planned units per arm, e.g. 15000)", min: 1 }),
  ),
  guardrail_alpha: optional(
    probability({
      expected: "a number strictly between 0 and 1 (the level of the one-sided guardrail tests, e.g. 0.05)",
    }),
  ),
  srm_threshold: optional(
    probability({
      expected: "a number strictly between 0 and 1 (the sample-ratio-mismatch p-value threshold, e.g. 0.001)",
    }),
  ),
};

export const analysisSchema: TableSchema<typeof analysisFields, AnalysisSettings> = {
  where: "in analysis",
  fields: analysisFields,
  rules: [uniqueMetricsRule, fixedHorizonSampleRule],
  build: (values) => {
    const metrics = [...values.primary, ...(values.secondary ?? []), ...(values.guardrails ?? [])];
    // A metric listed twice was reported by uniqueMetricsRule; the plan cannot be built.
    if (new Set(metrics.map((m) => m.metric)).size !== metrics.length) return INVALID;
    return Object.freeze({
      primary: Object.freeze(values.primary),
      ...(values.secondary === undefined ? {} : { secondary: Object.freeze(values.secondary) }),
      ...(values.guardrails === undefined ? {} : { guardrails: Object.freeze(values.guardrails) }),
      ...(values.alpha === undefined ? {} : { alpha: values.alpha }),
      ...(values.correction === undefined ? {} : { correction: values.correction }),
      ...(values.scale === undefined ? {} : { scale: values.scale }),
      ...(values.sequential === undefined || values.sequential === false
        ? {}
        : { sequential: values.sequential }),
      ...(values.minimum_sample === undefined ? {} : { minimumSample: values.minimum_sample }),
      ...(values.guardrail_alpha === undefined ? {} : { guardrailAlpha: values.guardrail_alpha }),
      ...(values.srm_threshold === undefined ? {} : { srmThreshold: values.srm_threshold }),
    });
  },
};

/** The check of an experiment's `analysis` table. */
export const analysisTable: Check<AnalysisSettings> = tableOf(
  analysisSchema,
  "a table, written as a [plugins.experiments.analysis] section or analysis = { primary = [...] }",
);
