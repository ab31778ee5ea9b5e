import type { HashingMode } from "./hashing-mode.js";

/** One arm of an experiment as declared in the manifest. Weights are relative (`90/10` = `9/1`). */
export interface VariantDefinition {
  readonly id: string;
  readonly weight: number;
  readonly isControl: boolean;
}

/**
 * The randomization unit: `"user"` hashes `userId` (the default), `"session"` hashes `sessionId`, any other
 * name hashes that context attribute (cluster randomization by account, tenant, ...).
 */
export type ExperimentUnit = "user" | "session" | (string & Record<never, never>);

/** An experiment as the manifest declares it, after validation. */
export interface ExperimentDefinition {
  readonly id: string;
  readonly variants: readonly VariantDefinition[];
  readonly unit: ExperimentUnit;
  /** Share of units enrolled, 0..1. Units outside it get control with `inExperiment: false`. */
  readonly traffic: number;
  /** Prepended to the hash key as `salt:`; changing it re-randomizes everyone on purpose. */
  readonly salt?: string;
  /** False switches the experiment off: everyone gets control, nobody is enrolled. */
  readonly enabled: boolean;
  /** How units are bucketed: Assay's native hash when absent, or a vendor-compatible mode. */
  readonly hashing?: HashingMode;
}
