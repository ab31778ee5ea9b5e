import { CORRECTIONS, type Correction } from "../adjust/adjust.js";
import { checkSequentialAlpha, resolveTuning } from "../frequentist/sequential.js";
import type { MetricType, Scale } from "../moments/types.js";
import {
  checkCount,
  checkFinite,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkOpenUnit,
  checkPositive,
  show,
} from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/** Which way a metric should move for the treatment to be better. */
export type Direction = "increase" | "decrease";

/** The part a metric plays in the decision. */
export type MetricRole = "primary" | "secondary" | "guardrail";

/** One metric of the plan. */
export interface PlanMetric {
  /** Metric name: the recorded outcome's, or a metric definition's name (then `outcome` says what it reads). */
  readonly metric: string;
  /**
   * The recorded outcome the metric is computed from, when its name is not the metric's (a `[[metrics]]`
   * definition of the manifest: `name = "orders", outcome = "order_placed"`). Default: `metric`.
   */
  readonly outcome?: string;
  /**
   * How the per-unit variance is estimated: "proportion" (p(1 − p), for 0/1 outcomes) or "mean" (the sample
   * variance). Default: from the recorded outcome's kind (bool is a proportion).
   */
  readonly type?: MetricType;
  /**
   * A ratio metric (revenue per order): Σ numerator / Σ denominator per arm, two recorded metrics, tested by
   * the delta method over units (`compareRatio`); the summary must carry their cross-products
   * (`ExperimentSummary.ratios`). `outcome` and `type` do not apply.
   */
  readonly ratio?: { readonly numerator: string; readonly denominator: string };
  /**
   * Winsorization of the per-unit values: at a fixed `value`, or at a `percentile` of the pooled per-unit
   * values (nearest rank, every exposed unit of every arm). The summary must carry the capped statistics
   * (`ExperimentSummary.capped`, from `summarize({ capped })`); the report gives the cap used.
   */
  readonly capping?: { readonly value: number } | { readonly percentile: number };
  /**
   * Only the outcomes within this many milliseconds after each unit's first exposure count (a manifest's
   * `window = "7d"`). The summary must carry the windowed statistics (`ExperimentSummary.windowed`, from
   * `summarize({ windowed })`).
   */
  readonly windowMs?: number;
  /**
   * CUPED (primary and secondary metrics): adjust by the same metric's per-unit value in the `preWindowMs` before
   * first exposure (a manifest's `cuped = true, pre_window = "14d"`). The summary must carry the covariates
   * (`ExperimentSummary.cuped`, from `summarize({ cuped })`); without them the metric is tested unadjusted and
   * the report says so.
   */
  readonly cuped?: { readonly preWindowMs: number };
  /**
   * A quantile metric (primary and secondary): the `probability`-quantile of the per-unit values per arm (0.9:
   * the p90), over every exposed unit (those without an outcome as 0) or, with `ignoreZeros`, the units whose
   * value is not 0; the difference is tested by `compareQuantiles` (fixed horizon only). The summary must carry
   * the quantiles (`ExperimentSummary.quantiles`, from `summarize({ quantiles })`). `type` does not apply.
   */
  readonly quantile?: { readonly probability: number; readonly ignoreZeros?: boolean };
  /** Which way is good. Default "increase". */
  readonly direction?: Direction;
  /** Effect scale for this metric; default the plan's `scale`. */
  readonly scale?: Scale;
  /**
   * Guardrails only: the non-inferiority margin, in the units of `scale` (0.05 = 5% relative), ≥ 0.
   * Above 0 the treatment must be shown no worse than the margin before it can ship, and only a
   * degradation shown beyond the margin is a breach. Default 0: any degradation shown is a breach, and
   * a guardrail not shown worse is ok.
   */
  readonly margin?: number;
}

/**
 * The analysis plan of one experiment, declared in the manifest before results are seen.
 *
 * - Primary metrics × treatments are the family that decides a ship, tested two-sided at `alpha` and
 *   adjusted with `correction`. Secondary metrics × treatments are corrected among themselves and never
 *   ship alone; a significant secondary loss turns a ship into a review.
 * - Guardrails × treatments are tested one-sided on their harmful side with confidence sequences
 *   (valid at every look, in every plan) at `guardrailAlpha` divided among them (Bonferroni), so the
 *   chance of a false rollback stays ≤ `guardrailAlpha`.
 * - With `sequential`, the confidence sequence is used for every metric, so looking at results early is
 *   safe; without it, results are fixed-horizon and no ship/reject is made before `minimumSample` units
 *   per arm (a manifest requires one for a fixed-horizon plan).
 */
export interface ExperimentPlan {
  /** Variant id of the control arm. */
  readonly control: string;
  /** At least one. */
  readonly primary: readonly PlanMetric[];
  readonly secondary?: readonly PlanMetric[];
  readonly guardrails?: readonly PlanMetric[];
  /** Significance level of primary and secondary tests. Default 0.05. */
  readonly alpha?: number;
  /**
   * Correction over primary metrics × treatments (the family that decides a ship), and separately over
   * secondary metrics × treatments. Default "holm".
   */
  readonly correction?: Correction;
  /** Default effect scale. Default "relative". */
  readonly scale?: Scale;
  /** Present: sequential testing (always valid under peeking); absent: fixed horizon. */
  readonly sequential?: { readonly tuning?: number };
  /**
   * Planned units per arm; no ship/reject decision before every active arm has them. Default: none
   * planned (a manifest requires one for a fixed-horizon plan; `evaluate` then only warns).
   */
  readonly minimumSample?: number;
  /**
   * Configured traffic split by variant id (relative weights), for the SRM check. Default: even. An arm
   * of weight 0 is switched off: it is left out of the comparison and of `minimumSample`.
   */
  readonly weights?: Readonly<Record<string, number>>;
  /**
   * Level of the guardrail family: each guardrail × treatment is tested at guardrailAlpha divided by
   * their number (Bonferroni), so a false rollback stays ≤ guardrailAlpha. Below 0.5. Default 0.05.
   */
  readonly guardrailAlpha?: number;
  /** SRM p-value threshold. Default 0.001. */
  readonly srmThreshold?: number;
}

/** A plan metric with defaults applied. */
export interface ResolvedPlanMetric {
  readonly metric: string;
  /** The summary metric it reads: the plan's `outcome`, else `metric`. */
  readonly outcome: string;
  /** The declared type; undefined: from the recorded outcome's kind. */
  readonly type: MetricType | undefined;
  /** Set for a ratio metric: its numerator and denominator metrics. */
  readonly ratio: { readonly numerator: string; readonly denominator: string } | undefined;
  /** Set for a capped metric. */
  readonly capping: { readonly value: number } | { readonly percentile: number } | undefined;
  /** Set for a windowed metric. */
  readonly windowMs: number | undefined;
  /** Set for a CUPED metric. */
  readonly cuped: { readonly preWindowMs: number } | undefined;
  /** Set for a quantile metric. */
  readonly quantile: { readonly probability: number; readonly ignoreZeros: boolean } | undefined;
  readonly role: MetricRole;
  readonly direction: Direction;
  readonly scale: Scale;
  readonly margin: number;
}

/** A plan with defaults applied. */
export interface ResolvedPlan {
  readonly control: string;
  readonly metrics: readonly ResolvedPlanMetric[];
  readonly alpha: number;
  readonly correction: Correction;
  readonly method: "fixed" | "sequential";
  readonly sequentialTuning: number | undefined;
  readonly minimumSample: number | undefined;
  readonly weights: Readonly<Record<string, number>> | undefined;
  readonly guardrailAlpha: number;
  readonly srmThreshold: number;
}

const PLAN_KEYS = new Set([
  "control",
  "primary",
  "secondary",
  "guardrails",
  "alpha",
  "correction",
  "scale",
  "sequential",
  "minimumSample",
  "weights",
  "guardrailAlpha",
  "srmThreshold",
]);
const METRIC_KEYS = new Set([
  "metric",
  "outcome",
  "type",
  "ratio",
  "capping",
  "quantile",
  "windowMs",
  "cuped",
  "direction",
  "scale",
  "margin",
]);

/**
 * Validates a plan and applies its defaults. Throws `StatsInputError` naming the field (for example
 * `plan.primary[0].direction`) for anything unusable, including unknown keys and a metric listed twice.
 */
export function resolvePlan(input: unknown, field = "plan"): ResolvedPlan {
  const plan = checkObject(input, field);
  for (const key of Object.keys(plan)) {
    if (!PLAN_KEYS.has(key)) {
      throw new StatsInputError(
        `${field}.${key}`,
        `is not a plan setting (known: ${[...PLAN_KEYS].join(", ")})`,
      );
    }
  }
  if (typeof plan.control !== "string" || plan.control === "") {
    throw new StatsInputError(
      `${field}.control`,
      `must be a non-empty variant id, got ${show(plan.control)}`,
    );
  }
  const scale =
    plan.scale === undefined
      ? "relative"
      : checkOneOf(plan.scale, ["relative", "absolute"], `${field}.scale`);
  const seen = new Set<string>();
  const metrics: ResolvedPlanMetric[] = [];
  const roles: ReadonlyArray<readonly [MetricRole, string]> = [
    ["primary", "primary"],
    ["secondary", "secondary"],
    ["guardrail", "guardrails"],
  ];
  for (const [role, key] of roles) {
    const list = plan[key];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw new StatsInputError(`${field}.${key}`, `must be an array, got ${show(list)}`);
    list.forEach((item, i) => {
      const m = resolveMetric(item, role, scale, `${field}.${key}[${i}]`);
      if (seen.has(m.metric)) {
        throw new StatsInputError(
          `${field}.${key}[${i}].metric`,
          `${JSON.stringify(m.metric)} is listed twice`,
        );
      }
      seen.add(m.metric);
      metrics.push(m);
    });
  }
  if (!metrics.some((m) => m.role === "primary")) {
    throw new StatsInputError(`${field}.primary`, "must list at least one metric");
  }
  const sequentialTuning =
    plan.sequential === undefined ? undefined : resolveTuning(plan.sequential, `${field}.sequential`);
  let weights: Record<string, number> | undefined;
  if (plan.weights !== undefined) {
    const w = checkObject(plan.weights, `${field}.weights`);
    weights = {};
    for (const [variant, value] of Object.entries(w)) {
      weights[variant] = checkNonNegative(value, `${field}.weights.${variant}`);
    }
    if (!(plan.control in weights)) {
      throw new StatsInputError(
        `${field}.weights`,
        `has no weight for the control ${JSON.stringify(plan.control)}`,
      );
    }
    if (!((weights[plan.control] ?? 0) > 0)) {
      throw new StatsInputError(
        `${field}.weights.${plan.control}`,
        "the control's weight must be above 0: a switched-off control leaves nothing to compare with",
      );
    }
    if (Object.keys(weights).length < 2) {
      throw new StatsInputError(`${field}.weights`, "must list the control and at least one treatment");
    }
  }
  const resolved: ResolvedPlan = {
    control: plan.control,
    metrics,
    alpha: plan.alpha === undefined ? 0.05 : checkOpenUnit(plan.alpha, `${field}.alpha`),
    correction:
      plan.correction === undefined
        ? "holm"
        : checkOneOf(plan.correction, CORRECTIONS, `${field}.correction`),
    method: sequentialTuning === undefined ? "fixed" : "sequential",
    sequentialTuning,
    minimumSample:
      plan.minimumSample === undefined ? undefined : checkCount(plan.minimumSample, `${field}.minimumSample`),
    weights,
    guardrailAlpha:
      plan.guardrailAlpha === undefined
        ? 0.05
        : checkOpenUnit(plan.guardrailAlpha, `${field}.guardrailAlpha`),
    srmThreshold:
      plan.srmThreshold === undefined ? 0.001 : checkOpenUnit(plan.srmThreshold, `${field}.srmThreshold`),
  };
  // Guardrails use one-sided confidence sequences in every plan, which need alpha < 0.5.
  if (metrics.some((m) => m.role === "guardrail")) {
    checkSequentialAlpha(resolved.guardrailAlpha, true, `${field}.guardrailAlpha`);
  }
  return resolved;
}

function resolveMetric(
  input: unknown,
  role: MetricRole,
  planScale: Scale,
  field: string,
): ResolvedPlanMetric {
  const m = checkObject(input, field);
  for (const key of Object.keys(m)) {
    if (!METRIC_KEYS.has(key)) {
      throw new StatsInputError(
        `${field}.${key}`,
        `is not a metric setting (known: ${[...METRIC_KEYS].join(", ")})`,
      );
    }
  }
  if (typeof m.metric !== "string" || m.metric === "") {
    throw new StatsInputError(`${field}.metric`, `must be a non-empty metric name, got ${show(m.metric)}`);
  }
  if (m.margin !== undefined && role !== "guardrail") {
    throw new StatsInputError(`${field}.margin`, "applies to guardrail metrics only");
  }
  if (m.outcome !== undefined && (typeof m.outcome !== "string" || m.outcome === "")) {
    throw new StatsInputError(`${field}.outcome`, `must be a non-empty outcome name, got ${show(m.outcome)}`);
  }
  const ratio = m.ratio === undefined ? undefined : checkRatio(m.ratio, `${field}.ratio`);
  if (ratio !== undefined && (m.outcome !== undefined || m.type !== undefined)) {
    throw new StatsInputError(
      `${field}.ratio`,
      "a ratio metric reads its numerator and denominator: no outcome or type",
    );
  }
  const capping = m.capping === undefined ? undefined : checkCapping(m.capping, `${field}.capping`);
  if (capping !== undefined && ratio !== undefined) {
    throw new StatsInputError(
      `${field}.capping`,
      "caps one metric's per-unit values; a ratio metric cannot be capped",
    );
  }
  const windowMs = m.windowMs === undefined ? undefined : checkPositive(m.windowMs, `${field}.windowMs`);
  if (windowMs !== undefined && (ratio !== undefined || capping !== undefined)) {
    throw new StatsInputError(
      `${field}.windowMs`,
      "a windowed metric cannot be a ratio or capped (not supported yet)",
    );
  }
  const cuped = m.cuped === undefined ? undefined : checkCuped(m.cuped, `${field}.cuped`);
  if (
    cuped !== undefined &&
    (role === "guardrail" || ratio !== undefined || capping !== undefined || windowMs !== undefined)
  ) {
    throw new StatsInputError(
      `${field}.cuped`,
      "applies to primary and secondary metrics that are not ratios, capped or windowed (not supported yet)",
    );
  }
  const quantile = m.quantile === undefined ? undefined : checkQuantile(m.quantile, `${field}.quantile`);
  if (quantile !== undefined) {
    const other = [
      ratio !== undefined ? "ratio" : "",
      capping !== undefined ? "capping" : "",
      windowMs !== undefined ? "windowMs" : "",
      cuped !== undefined ? "cuped" : "",
      m.type !== undefined ? "type" : "",
    ].filter((key) => key !== "");
    if (other.length > 0) {
      throw new StatsInputError(
        `${field}.quantile`,
        `a quantile metric cannot also have ${other.join(", ")} (not supported yet; a quantile is of the per-unit values, whatever their type)`,
      );
    }
    if (role === "guardrail") {
      throw new StatsInputError(
        `${field}.quantile`,
        "a quantile metric cannot be a guardrail yet: guardrails are confidence sequences, the quantile test is fixed-horizon only",
      );
    }
  }
  return {
    metric: m.metric,
    ratio,
    capping,
    windowMs,
    cuped,
    quantile,
    outcome: m.outcome === undefined ? m.metric : (m.outcome as string),
    type:
      m.type === undefined
        ? undefined
        : checkOneOf<MetricType>(m.type, ["mean", "proportion"], `${field}.type`),
    role,
    direction:
      m.direction === undefined
        ? "increase"
        : checkOneOf(m.direction, ["increase", "decrease"], `${field}.direction`),
    scale:
      m.scale === undefined ? planScale : checkOneOf(m.scale, ["relative", "absolute"], `${field}.scale`),
    margin: m.margin === undefined ? 0 : checkNonNegative(m.margin, `${field}.margin`),
  };
}

function checkRatio(input: unknown, field: string): { numerator: string; denominator: string } {
  const r = checkObject(input, field);
  for (const key of ["numerator", "denominator"] as const) {
    if (typeof r[key] !== "string" || r[key] === "") {
      throw new StatsInputError(`${field}.${key}`, `must be a non-empty metric name, got ${show(r[key])}`);
    }
  }
  return { numerator: r.numerator as string, denominator: r.denominator as string };
}

function checkCapping(input: unknown, field: string): { value: number } | { percentile: number } {
  const c = checkObject(input, field);
  const keys = Object.keys(c);
  if (keys.length !== 1 || (keys[0] !== "value" && keys[0] !== "percentile")) {
    throw new StatsInputError(field, `must be { value } or { percentile }, got keys ${show(keys)}`);
  }
  if (keys[0] === "value") return { value: checkFinite(c.value, `${field}.value`) };
  return { percentile: checkOpenUnit(c.percentile, `${field}.percentile`) };
}

function checkQuantile(input: unknown, field: string): { probability: number; ignoreZeros: boolean } {
  const q = checkObject(input, field);
  for (const key of Object.keys(q)) {
    if (key !== "probability" && key !== "ignoreZeros") {
      throw new StatsInputError(
        `${field}.${key}`,
        "is not a quantile setting (known: probability, ignoreZeros)",
      );
    }
  }
  if (q.ignoreZeros !== undefined && typeof q.ignoreZeros !== "boolean") {
    throw new StatsInputError(`${field}.ignoreZeros`, `must be true or false, got ${show(q.ignoreZeros)}`);
  }
  return {
    probability: checkOpenUnit(q.probability, `${field}.probability`),
    ignoreZeros: q.ignoreZeros === true,
  };
}

function checkCuped(input: unknown, field: string): { preWindowMs: number } {
  const c = checkObject(input, field);
  return { preWindowMs: checkPositive(c.preWindowMs, `${field}.preWindowMs`) };
}
