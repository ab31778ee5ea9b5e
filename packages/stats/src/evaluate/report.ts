import type { Correction } from "../adjust/adjust.js";
import type { Sides } from "../frequentist/compare.js";
import type { EstimateWarning, MetricType, Scale } from "../moments/types.js";
import type { Direction, MetricRole } from "./plan.js";

/**
 * A metric's outcome for one treatment. Primary/secondary: "win" or "loss" (significant after
 * correction, in or against the metric's direction), "inconclusive". Guardrail: "breach" (significant
 * degradation beyond the margin) or "ok". Any role: "insufficient-data" when the effect cannot be
 * estimated (no variance, control mean 0, fewer than 2 units, metric not recorded).
 */
export type MetricVerdict = "win" | "loss" | "inconclusive" | "breach" | "ok" | "insufficient-data";

/** Why an effect is missing: the estimate warnings of `compare`, or a plan metric absent from the summary. */
export type MetricWarning = EstimateWarning | "metric-not-recorded";

/** One planned metric compared between one treatment and the control. */
export interface MetricResult {
  readonly metric: string;
  readonly role: MetricRole;
  readonly direction: Direction;
  /** "proportion" for bool outcomes, "mean" for numeric and count outcomes. */
  readonly type: MetricType;
  readonly scale: Scale;
  /** Sides of the test: "two" for primary/secondary, the harmful side for guardrails. */
  readonly sides: Sides;
  readonly controlUnits: number;
  readonly treatmentUnits: number;
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly estimate: number;
  readonly standardError: number;
  readonly ci: readonly [number, number];
  readonly df: number;
  readonly pValue: number;
  /** Corrected p-value within the primary + secondary family; equals `pValue` for guardrails. */
  readonly adjustedPValue: number;
  /** adjustedPValue < alpha (guardrails: pValue < guardrailAlpha). */
  readonly significant: boolean;
  readonly verdict: MetricVerdict;
  readonly warning?: MetricWarning;
}

/**
 * What to do with one treatment:
 * - "rollback": a guardrail is breached.
 * - "investigate-srm": the traffic split does not match the plan; no decision can be trusted.
 * - "continue": the planned sample is not reached, or (sequential) nothing is significant yet.
 * - "ship": a primary metric wins and none loses.
 * - "reject": a primary metric loses.
 * - "no-effect": fixed horizon, planned sample reached, no primary metric significant.
 */
export type TreatmentDecision = "rollback" | "investigate-srm" | "continue" | "ship" | "reject" | "no-effect";

/** The experiment-level recommendation; "keep-control" when every treatment is "reject" or "no-effect". */
export type ExperimentDecision = "rollback" | "investigate-srm" | "continue" | "ship" | "keep-control";

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
  readonly arms: readonly ArmReport[];
  readonly srm: { readonly pValue: number; readonly mismatch: boolean; readonly threshold: number };
  readonly sample: {
    /** Planned units per arm, if the plan sets one. */
    readonly minimumPerArm?: number;
    readonly reached: boolean;
  };
  readonly treatments: readonly TreatmentReport[];
  readonly decision: ExperimentDecision;
  /** With decision "ship": the treatment to ship (best first primary metric among shippable ones). */
  readonly winner?: string;
  readonly reasons: readonly string[];
  /** Data-quality notes that do not change the decision (units in several variants, unknown variants...). */
  readonly warnings: readonly string[];
}
