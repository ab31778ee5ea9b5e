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

/**
 * What a variant carries besides its id (`value = "streamlined-checkout"` in the manifest): any TOML value
 * but a date, which the manifest turns into its TOML text. Deeply frozen, JSON-safe (finite numbers only).
 */
export type VariantValue =
  | string
  | number
  | boolean
  | readonly VariantValue[]
  | { readonly [key: string]: VariantValue };

/** The answer to "which variant should this unit see?". Backends return frozen, shared instances. */
export interface Variant {
  readonly experiment: string;
  readonly variantId: string;
  /**
   * The variant's declared `value`, absent when the manifest gives it none. The runtime puts it on every
   * Variant `assign` returns (for any backend), built once with the Variant, so serving it allocates nothing.
   */
  readonly value?: VariantValue;
  readonly isControl: boolean;
  /** True when the unit is enrolled and its exposures count in the analysis. */
  readonly inExperiment: boolean;
  readonly reason: AssignmentReason;
}

/**
 * Builds a frozen Variant; backends pre-build these once per experiment so `assign` allocates nothing.
 * `value` (the variant's declared value) is set only when given, so value-less Variants keep their shape.
 */
export function makeVariant(
  experiment: string,
  variantId: string,
  isControl: boolean,
  inExperiment: boolean,
  reason: AssignmentReason,
  value?: VariantValue,
): Variant {
  return value === undefined
    ? Object.freeze({ experiment, variantId, isControl, inExperiment, reason })
    : Object.freeze({ experiment, variantId, isControl, inExperiment, reason, value });
}
