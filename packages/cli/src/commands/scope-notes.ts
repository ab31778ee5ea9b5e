import type { ExperimentDefinition, ExperimentSummary } from "@assay/core";

/**
 * What a report says of the slice of events it was computed on (the summary's scope): which environment and
 * phase, that earlier phases are not pooled, and, when the phase's exposures were assigned under several
 * manifest versions, that the experiment changed without a new phase and what that did to its units.
 */
export function scopeNotes(definition: ExperimentDefinition, summary: ExperimentSummary): string[] {
  const scope = summary.scope;
  if (scope === undefined) return [];
  const notes: string[] = [];
  const others = scope.phases.filter((p) => p !== scope.phase);
  if (others.length > 0) {
    notes.push(
      `phase ${scope.phase} only (environment ${scope.environment}): phase${others.length === 1 ? "" : "s"} ${others.join(", ")} re-randomized units and ${others.length === 1 ? "is" : "are"} not pooled with it (assay results --phase ${others.at(-1)} shows ${others.length === 1 ? "it" : "one"})`,
    );
  }
  if (scope.manifestVersions.length > 1) {
    const sticky = definition.sticky !== undefined;
    notes.push(
      `this phase ran under ${scope.manifestVersions.length} manifest versions (weights, traffic or targeting changed without a new version): ` +
        (sticky
          ? "sticky = true kept enrolled units in their variant, so later units came in under other weights than earlier ones; the SRM check compares with the current weights, and an effect that changes over time is mixed with the change"
          : "without sticky = true a weight change moves enrolled units to another variant (each counts in its first); start a new phase (version = N) for a change that must re-randomize"),
    );
  }
  return notes;
}
