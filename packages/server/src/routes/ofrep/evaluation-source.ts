import type { ExperimentContext, ExperimentDefinition, FlagDefinition, Variant } from "@assay/core";

/**
 * What OFREP evaluates with: the runtime's `assign` and its flags. An `Assay` from `createAssay` is one
 * (`evaluation: assay`), so the server answers exactly what the app's own client would.
 */
export interface Evaluation {
  /**
   * Changes when the client's manifest is reloaded (the runtime's content hash of it), so the OFREP routes
   * rebuild their view of the experiments and flags; absent: the manifest never changes under the client.
   */
  readonly manifestVersion?: string;
  experiments(): readonly ExperimentDefinition[];
  assign(experiment: string, ctx: ExperimentContext): Variant;
  readonly flags: {
    keys(): string[];
    definition(flag: string): FlagDefinition | undefined;
    isEnabled(flag: string, ctx: ExperimentContext): boolean;
    variant(flag: string, ctx: ExperimentContext, fallback: string): string;
  };
}

/** A dashboard source that can also evaluate: OFREP's routes answer 503 for a source without it. */
export interface EvaluationSource {
  readonly evaluation?: Evaluation;
}
