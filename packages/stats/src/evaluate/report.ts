import type { Correction } from "../adjust/adjust.js";
import type { Sides } from "../frequentist/compare.js";
import type { EstimateWarning, MetricType, Scale } from "../moments/types.js";
import type { BreakdownReport } from "./breakdown.js";
import type { Direction, MetricRole } from "./plan.js";

/**
 * A metric's outcome for one treatment. Primary/secondary: "win" or "loss" (significant after
 * correction, in or against the metric's direction), "inconclusive". Guardrail: "breach" (shown worse
 * than its margin), "ok" (not shown worse when the margin is 0; shown within the margin when it is
 * above 0) or "inconclusive" (a margin above 0 that is neither shown kept nor shown broken). Any role:
 * "insufficient-data" when nothing can be tested (no variance, too few units, metric not recorded);
 * it is never read as "no effect" or "ok", and it holds a ship back.
 */
export type MetricVerdict = "win" | "loss" | "inconclusive" | "breach" | "ok" | "insufficient-data";

/**
 * Why an effect is missing: the estimate warnings of `compare` (`too-few-units` also means fewer than
 * {@link MIN_UNITS_PER_ARM} units per arm for a confidence-sequence test), or a plan metric absent from
 * the summary.
 */
export type MetricWarning = EstimateWarning | "metric-not-recorded";

/**
 * Units each arm needs before a confidence sequence (every guardrail; every metric of a sequential
 * plan) is read: the sequence rests on the central limit theorem, which a handful of units does not
 * support (heavy-tailed metrics least of all).
 */
export const MIN_UNITS_PER_ARM = 100;

/** One planned metric compared between one treatment and the control. */
export interface MetricResult {
  readonly metric: string;
  readonly role: MetricRole;
  readonly direction: Direction;
  /** "proportion" for bool outcomes, "mean" for numeric and count outcomes. */
  readonly type: MetricType;
  /** The scale tested: the planned one, or "absolute" when a relative metric's control mean is 0. */
  readonly scale: Scale;
  /** The scale the plan asked for. */
  readonly plannedScale: Scale;
  /** Sides of the test: "two" for primary/secondary, the harmful side for guardrails. */
  readonly sides: Sides;
  readonly controlUnits: number;
  readonly treatmentUnits: number;
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly estimate: number;
  readonly standardError: number;
  /**
   * Confidence interval at `ciLevel`. Primary/secondary: the test's unadjusted 1 − alpha interval
   * (`ciAdjusted` false unless the correction is "none"); guardrails: both one-sided bounds of the
   * confidence sequence at the guardrail family's Bonferroni level, like their adjusted p-value (so
   * `ciLevel` is 1 − 2·level): the breach test reads one, the margin the other.
   */
  readonly ci: readonly [number, number];
  /** Confidence level of `ci`. */
  readonly ciLevel: number;
  /** Whether `ci` is adjusted to the same family and level as `adjustedPValue`. */
  readonly ciAdjusted: boolean;
  readonly df: number;
  /** Primary/secondary: the two-sided test of no effect. Guardrails: the one-sided test of a breach. */
  readonly pValue: number;
  /**
   * Corrected p-value within the metric's family: primary × treatments, secondary × treatments
   * (each with the plan's correction), guardrails × treatments (Bonferroni).
   */
  readonly adjustedPValue: number;
  /** Guardrails with a margin above 0: the one-sided p-value of "no worse than the margin", Bonferroni-adjusted. */
  readonly nonInferiorityPValue?: number;
  /** adjustedPValue < alpha (guardrails: < guardrailAlpha, a breach). */
  readonly significant: boolean;
  readonly verdict: MetricVerdict;
  readonly warning?: MetricWarning;
  /** A capped metric: the cap its per-unit values were winsorized at (from the pooled data for a percentile). */
  readonly cap?: number;
  /** A capped metric: how the cap was set (the plan's capping). */
  readonly capping?: { readonly value: number } | { readonly percentile: number };
  /** A windowed metric: its window after each unit's first exposure, in milliseconds. */
  readonly windowMs?: number;
  /**
   * A CUPED metric: the share of the effect's variance the pre-period covariate removed, 1 − (SE adjusted /
   * SE unadjusted)² (0.38: "variance −38%"); absent when it could not be estimated.
   */
  readonly varianceReduction?: number;
  /** A CUPED metric: its pre-period before each unit's first exposure, in milliseconds. */
  readonly cupedPreWindowMs?: number;
  /** A ratio metric: its numerator and denominator. */
  readonly ratio?: { readonly numerator: string; readonly denominator: string };
  /**
   * A quantile metric (then `controlMean`/`treatmentMean` are the arms' quantiles, the effect their
   * difference, `df` 0: a normal test): which quantile, over which units, and each arm's estimate with its
   * order-statistic interval at `confidence` and that interval's exact coverage.
   */
  readonly quantile?: QuantileResult;
}

/** One arm's quantile in a report: over n units, the estimate and its order-statistic interval. */
export interface QuantileArmResult {
  readonly n: number;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly coverage: number;
}

/** What a quantile metric's result says of the quantiles it compared. */
export interface QuantileResult {
  readonly probability: number;
  readonly ignoreZeros: boolean;
  /** The confidence of the arms' intervals (0 when the summary has no entry). */
  readonly confidence: number;
  readonly control: QuantileArmResult;
  readonly treatment: QuantileArmResult;
}

/**
 * What to do with one treatment:
 * - "investigate-srm": the traffic split does not match the plan; no decision can be trusted, rollback
 *   included.
 * - "rollback": a guardrail is breached.
 * - "continue": the planned sample is not reached; or a primary metric or a guardrail has
 *   insufficient data, or a guardrail is not yet shown within its margin; or (sequential) nothing is
 *   significant yet.
 * - "reject": a primary metric loses.
 * - "review": a primary metric wins, but a secondary metric loses significantly.
 * - "ship": a primary metric wins, none loses, every guardrail is ok and no secondary loses.
 * - "no-effect": fixed horizon, planned sample reached, every primary metric tested and none significant.
 */
export type TreatmentDecision =
  | "rollback"
  | "investigate-srm"
  | "continue"
  | "ship"
  | "review"
  | "reject"
  | "no-effect";

/**
 * The experiment-level recommendation; "review" when a shippable treatment loses a secondary metric or
 * several shippable treatments cannot be told apart; "keep-control" when every treatment is "reject" or
 * "no-effect" (or switched off).
 */
export type ExperimentDecision =
  | "rollback"
  | "investigate-srm"
  | "continue"
  | "ship"
  | "review"
  | "keep-control";

/** The metrics and the decision for one treatment arm. */
export interface TreatmentReport {
  readonly variant: string;
  readonly decision: TreatmentDecision;
  readonly reasons: readonly string[];
  readonly metrics: readonly MetricResult[];
}

/** Units observed and expected in one arm (the SRM check's inputs and outputs). */
export interface ArmReport {
  readonly variant: string;
  readonly units: number;
  /** Normalised configured weight (0 for an arm outside the plan's weights). */
  readonly weight: number;
  /** False for an arm of weight 0 (switched off): left out of the comparison and of `minimumSample`. */
  readonly active: boolean;
  /** Units expected from the weights and the checked total (0 for arms skipped by the SRM check). */
  readonly expectedUnits: number;
}

/** The decision report `evaluate` returns for one experiment. */
export interface ExperimentReport {
  readonly experiment: string;
  readonly control: string;
  readonly method: "fixed" | "sequential";
  readonly sequentialTuning?: number;
  readonly alpha: number;
  readonly correction: Correction;
  readonly guardrailAlpha: number;
  /**
   * N* of the guardrails' confidence sequences: the plan's sequential tuning, else twice
   * `minimumSample` (tightest at the planned sample), else 5000.
   */
  readonly guardrailTuning: number;
  readonly arms: readonly ArmReport[];
  readonly srm: { readonly pValue: number; readonly mismatch: boolean; readonly threshold: number };
  readonly sample: {
    /** Planned units per arm, if the plan sets one. */
    readonly minimumPerArm?: number;
    /** Every active arm has `minimumPerArm` units. */
    readonly reached: boolean;
  };
  readonly treatments: readonly TreatmentReport[];
  readonly decision: ExperimentDecision;
  /**
   * With decision "ship": the treatment to ship (best first primary metric among shippable ones, and
   * significantly better than every other shippable one at the primary family's alpha).
   */
  readonly winner?: string;
  /** With decision "review": shippable treatments the first primary metric cannot tell apart (best first). */
  readonly cannotTellApart?: readonly string[];
  readonly reasons: readonly string[];
  /** Data-quality notes that do not change the decision (units in several variants, unknown variants...). */
  readonly warnings: readonly string[];
  /**
   * With a summary cut by a dimension (`SummaryQuery.breakdown`): every slice evaluated with the plan, each
   * with its SRM check, the slice p-values adjusted across the whole breakdown. Exploratory: never part of
   * the decision above.
   */
  readonly breakdown?: BreakdownReport;
}
