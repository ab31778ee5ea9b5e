/**
 * Why a unit got the variant it got.
 * - `hash`: enrolled by the backend's bucketing;
 * - `anonymous`: the experiment's unit (user, session or attribute) is missing from the context;
 * - `targeting`: the context failed the experiment's targeting rules;
 * - `traffic`: outside the experiment's traffic allocation;
 * - `disabled`: the experiment is switched off (kill switch);
 * - `forced`: an override pinned this unit (not counted in analysis);
 * - `sticky`: a stored first assignment was reused;
 * - `error`: a never-throwing client served control because of an error.
 * Only `hash` and `sticky` mean the unit is in the experiment.
 */
export type AssignmentReason =
  | "hash"
  | "anonymous"
  | "targeting"
  | "traffic"
  | "disabled"
  | "forced"
  | "sticky"
  | "error";

/** The answer to "which variant should this unit see?". Backends return frozen, shared instances. */
export interface Variant {
  readonly experiment: string;
  readonly variantId: string;
  readonly isControl: boolean;
  /** True when the unit is enrolled and its exposures count in the analysis. */
  readonly inExperiment: boolean;
  readonly reason: AssignmentReason;
}

/** Builds a frozen Variant; backends pre-build these once per experiment so `assign` allocates nothing. */
export function makeVariant(
  experiment: string,
  variantId: string,
  isControl: boolean,
  inExperiment: boolean,
  reason: AssignmentReason,
): Variant {
  return Object.freeze({ experiment, variantId, isControl, inExperiment, reason });
}
