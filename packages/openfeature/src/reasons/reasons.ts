import type { AssignmentReason, FlagDefinition } from "@assay/core";
import { type ResolutionReason, StandardResolutionReasons } from "@openfeature/server-sdk";

/**
 * Assay's assignment reasons as OpenFeature's standard ones, for the reasons that are successes:
 * - `hash` (the backend's bucket) and `sticky` (the bucket of the unit's first assignment, stored) are SPLIT;
 * - `forced` (an override pinned this unit) is TARGETING_MATCH: a rule about this very unit matched;
 * - `targeting` (the unit failed the rules) and `traffic` (outside the traffic share or the layer slot) serve
 *   control as the fallback: DEFAULT. (Assay's `targeting` means the rules did NOT match.)
 * - `disabled` (the kill switch) is DISABLED.
 * `anonymous` is an error (TARGETING_KEY_MISSING) and `error` is ERROR; neither is in this table.
 * `flagMetadata.assayReason` and `flagMetadata.inExperiment` keep what the standard reason cannot say.
 */
export const EXPERIMENT_REASON: Readonly<
  Record<Exclude<AssignmentReason, "anonymous" | "error">, ResolutionReason>
> = Object.freeze({
  hash: StandardResolutionReasons.SPLIT,
  sticky: StandardResolutionReasons.SPLIT,
  forced: StandardResolutionReasons.TARGETING_MATCH,
  targeting: StandardResolutionReasons.DEFAULT,
  traffic: StandardResolutionReasons.DEFAULT,
  disabled: StandardResolutionReasons.DISABLED,
});

/**
 * Why a flag has its value, as far as its declaration and its answer tell (the flag backend gives no
 * reason): switched off is DISABLED. On: with targeting rules TARGETING_MATCH, with a partial rollout or
 * several values SPLIT, else STATIC. Off while enabled: a rollout of 0 is STATIC; outside a partial rollout
 * (no targeting) SPLIT; with targeting rules DEFAULT (the off value as the fallback; with both targeting and
 * a partial rollout the backend does not say which one left the unit out, so DEFAULT as well).
 */
export function flagReason(definition: FlagDefinition, on: boolean): ResolutionReason {
  if (!definition.enabled) return StandardResolutionReasons.DISABLED;
  const partial = definition.rollout > 0 && definition.rollout < 1;
  if (on) {
    if (definition.targeting !== undefined) return StandardResolutionReasons.TARGETING_MATCH;
    if (partial || (definition.variants?.length ?? 0) > 1) return StandardResolutionReasons.SPLIT;
    return StandardResolutionReasons.STATIC;
  }
  if (definition.rollout <= 0) return StandardResolutionReasons.STATIC;
  if (definition.targeting !== undefined) return StandardResolutionReasons.DEFAULT;
  return partial ? StandardResolutionReasons.SPLIT : StandardResolutionReasons.DEFAULT;
}
