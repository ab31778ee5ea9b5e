import type { Targeting } from "../targeting/targeting.js";
import type { VariantValue } from "../variant/variant.js";
import type { HashingMode } from "./hashing-mode.js";

/** One arm of an experiment as declared in the manifest. Weights are relative (`90/10` = `9/1`). */
export interface VariantDefinition {
  readonly id: string;
  readonly weight: number;
  readonly isControl: boolean;
  /** What the variant serves (`value = "streamlined-checkout"`, a table...); absent when not declared. */
  readonly value?: VariantValue;
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
  /**
   * Who may enter: evaluated by the runtime before the backend (targeting, then traffic, then variant).
   * Units failing it get control, not enrolled, with `reason: "targeting"`.
   */
  readonly targeting?: Targeting;
  /**
   * Variants pinned for listed unit ids (QA accounts, demos): unit id -> variant id. Served with
   * `reason: "forced"` and `inExperiment: false`, so they never count in the analysis.
   */
  readonly forced?: Readonly<Record<string, string>>;
  /**
   * Sticky assignments: a unit's first enrolled variant is stored and served again (`reason: "sticky"`)
   * whatever later weight changes say. Bumping `version` discards the stored assignments of older versions.
   */
  readonly sticky?: StickySettings;
  /** The slot of a mutually exclusive layer this experiment owns: units outside it are not enrolled. */
  readonly layer?: LayerSlot;
  /**
   * The experiment's phase (the manifest's `version`; absent means 1). A change that re-randomizes units (a
   * new salt, variants, unit or hashing) starts a new phase, so results are never pooled across it.
   */
  readonly phase?: number;
  /**
   * Context attributes recorded with every exposure (`dimensions = ["country", "platform"]`), so its report
   * can be cut by them (`assay results --by country`). Absent or empty: none.
   */
  readonly dimensions?: readonly string[];
}

export interface StickySettings {
  /** Assignments are stored per version; a new version starts afresh. Default 1. */
  readonly version: number;
}

/**
 * A share `[start, end)` of a layer's unit interval. A unit is hashed once per layer (murmur3 of
 * `layer:unit`, independent of every experiment's own hash); each experiment of the layer owns a disjoint
 * slot, so a unit is in at most one of them.
 */
export interface LayerSlot {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}
