import {
  type ExperimentDefinition,
  InvalidContextError,
  makeVariant,
  unknownExperimentError,
  type Variant,
} from "@assay/core";

/** The control a unit gets when an adapter does not enroll it, one frozen Variant per reason. */
export interface OutsideVariants {
  /** The experiment's unit is missing from the context. */
  readonly anonymous: Variant;
  /** The vendor left the unit out (coverage, rollout, conditions, no such experiment any more). */
  readonly outside: Variant;
  /** A vendor rule pinned the unit (a force rule ahead of the experiment). */
  readonly targeted: Variant;
  /** The experiment is switched off in the manifest. */
  readonly disabled: Variant;
}

/** The experiment's control variant: the one marked `isControl`, else the first. */
export function controlOf(definition: ExperimentDefinition): ExperimentDefinition["variants"][number] {
  const control = definition.variants.find((v) => v.isControl) ?? definition.variants[0];
  if (control === undefined) throw new RangeError(`experiment ${definition.id} has no variants`);
  return control;
}

/** Builds the not-enrolled variants of an experiment once, so `assign` allocates nothing. */
export function outsideVariants(definition: ExperimentDefinition): OutsideVariants {
  const control = controlOf(definition);
  const out = (reason: Variant["reason"]) => makeVariant(definition.id, control.id, true, false, reason);
  return {
    anonymous: out("anonymous"),
    outside: out("traffic"),
    targeted: out("targeting"),
    disabled: out("disabled"),
  };
}

/** The enrolled variants of an experiment by id, reason `reason` (`hash` unless the vendor says otherwise). */
export function enrolledVariants(
  definition: ExperimentDefinition,
  reason: Variant["reason"] = "hash",
): ReadonlyMap<string, Variant> {
  return new Map(
    definition.variants.map((v) => [v.id, makeVariant(definition.id, v.id, v.isControl, true, reason)]),
  );
}

/**
 * One adapter's experiments by id, each turned into what the adapter serves. Throws RangeError for an id
 * declared twice (the manifest refuses it too; an adapter built in code must as well).
 */
export function serveExperiments<T>(
  experiments: readonly ExperimentDefinition[],
  serve: (definition: ExperimentDefinition) => T,
): Map<string, T> {
  const served = new Map<string, T>();
  for (const definition of experiments) {
    if (served.has(definition.id)) throw new RangeError(`experiment ${definition.id} is declared twice`);
    served.set(definition.id, serve(definition));
  }
  return served;
}

/** What the adapter serves for `experiment`, or EXPERIMENT_NOT_FOUND. */
export function lookupExperiment<T>(served: ReadonlyMap<string, T>, experiment: string): T {
  const found = served.get(experiment);
  if (found === undefined) throw unknownExperimentError(experiment);
  return found;
}

/** INVALID_CONTEXT unless `variantId` is one of the experiment's variants (an exposure of a variant it has not). */
export function requireDeclaredVariant(
  experiment: string,
  variantIds: ReadonlySet<string>,
  variantId: string,
): void {
  if (variantIds.has(variantId)) return;
  throw new InvalidContextError(
    `experiment ${JSON.stringify(experiment)} has no variant ${JSON.stringify(variantId)}; its variants are ${[...variantIds].join(", ")}`,
  );
}
