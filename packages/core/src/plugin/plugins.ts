import type { ExperimentContext } from "../context/experiment-context.js";
import type { ExposureRecord, OutcomeRecord } from "../records/records.js";
import type { EventStore } from "../store/event-store.js";
import type { Targeting } from "../targeting/targeting.js";
import type { Variant } from "../variant/variant.js";
import type { ExperimentDefinition } from "./experiment-definition.js";

/**
 * An experimentation backend. `assign` is synchronous and pure: the same experiment and context give the
 * same variant, and nothing is recorded. Exposure is the side effect that moves the statistics, so callers
 * assign, render, and expose only what was shown.
 */
export interface ExperimentPlugin {
  readonly name: string;
  /**
   * Which variant of `experiment` this unit sees. Throws ExperimentError: EXPERIMENT_NOT_FOUND for an
   * undeclared experiment, INVALID_CONTEXT for an unusable context.
   */
  assign(experiment: string, ctx: ExperimentContext): Variant;
  /** Resolves once the exposure is accepted by the event store. */
  recordExposure(exposure: ExposureRecord): Promise<void>;
  /** Resolves once the outcome is accepted by the event store. */
  recordOutcome(outcome: OutcomeRecord): Promise<void>;
  init?(): Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Feature flags choose what code runs (rollout, kill switch, targeting). They are a separate capability
 * from experiments and never emit analytics.
 */
export interface FeatureFlagPlugin {
  readonly name: string;
  isEnabled(flag: string, ctx: ExperimentContext): boolean;
  variant(flag: string, ctx: ExperimentContext, fallback: string): string;
  init?(): Promise<void>;
  close?(): Promise<void>;
}

/** A feature flag as the manifest declares it under `[[plugins.flags]]`, after validation. */
export interface FlagDefinition {
  readonly key: string;
  /** As for experiments: "user", "session" or an attribute name; hashed for the rollout. */
  readonly unit: string;
  /** Kill switch: false serves the off value to everyone. */
  readonly enabled: boolean;
  /** Share of units (0..1) that get the flag on, hashed independently of experiments; raising it only adds units. */
  readonly rollout: number;
  /** String flags: the values served to units that have the flag on, by relative weight. Absent for boolean flags. */
  readonly variants?: readonly { readonly id: string; readonly weight: number }[];
  /** String flags: the value served when the flag is off for the unit. */
  readonly off?: string;
  readonly targeting?: Targeting;
  /** Prepended to the rollout hash key; changing it reshuffles who is in the rollout. */
  readonly salt?: string;
}

/** What a flag backend's factory receives: the flags declared under its manifest entry. */
export interface FlagPluginSetup extends PluginSetup {
  readonly flags: readonly FlagDefinition[];
}

/** The capabilities a plugin module can provide. */
export type Capability = "experiments" | "flags" | "events";

/** A problem with one option of a plugin, reported against the manifest's `options` table. */
export interface OptionIssue {
  /** The option key, dotted for nested keys (`"retry.max"`). */
  readonly key: string;
  readonly message: string;
}

/** What the runtime hands every plugin factory. Dependencies are injected; plugins never construct them. */
export interface PluginSetup {
  /** The `name` of the manifest entry. */
  readonly name: string;
  /** The entry's `options` table, after `validateOptions` accepted it. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Directory of the manifest, for resolving relative paths in options. */
  readonly manifestDir: string;
}

/** What an experiment backend's factory receives: its experiments and the event store to record into. */
export interface ExperimentPluginSetup extends PluginSetup {
  readonly experiments: readonly ExperimentDefinition[];
  readonly store: EventStore;
}

/**
 * The default export of a plugin module named by a manifest `source`. The runtime checks that the module
 * provides the capability the manifest entry needs, validates the entry's options with `validateOptions`
 * and calls the matching factory with its dependencies.
 */
export interface PluginDefinition {
  readonly kind: "assay-plugin";
  readonly provides: readonly Capability[];
  /** Return one issue per option the plugin does not accept; an empty list means valid. */
  validateOptions?(options: Readonly<Record<string, unknown>>): readonly OptionIssue[];
  createExperimentPlugin?(setup: ExperimentPluginSetup): ExperimentPlugin | Promise<ExperimentPlugin>;
  createFlagPlugin?(setup: FlagPluginSetup): FeatureFlagPlugin | Promise<FeatureFlagPlugin>;
  createEventStore?(setup: PluginSetup): EventStore | Promise<EventStore>;
}

/**
 * What a plugin module declares: a {@link PluginDefinition} without its `kind`, which {@link definePlugin}
 * fills in (a `kind` given anyway must be `"assay-plugin"`).
 */
export type PluginDeclaration = Omit<PluginDefinition, "kind"> & { readonly kind?: "assay-plugin" };

/**
 * Makes a plugin module's default export: the declaration with `kind: "assay-plugin"` filled in, the mark the
 * runtime looks for when it imports a manifest `source`.
 *
 * ```ts
 * export default definePlugin({ provides: ["experiments"], createExperimentPlugin: (setup) => ... });
 * ```
 */
export function definePlugin<const T extends PluginDeclaration>(
  definition: T,
): Omit<T, "kind"> & { readonly kind: "assay-plugin" } {
  // Keeps the prototype, so a declaration that is a class instance keeps its methods.
  const made = Object.assign(Object.create(Object.getPrototypeOf(definition)) as object, definition, {
    kind: "assay-plugin" as const,
  });
  return made as Omit<T, "kind"> & { readonly kind: "assay-plugin" };
}

/** True when `value` looks like a PluginDefinition (checked on what a module exports). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<PluginDefinition>;
  return candidate.kind === "assay-plugin" && Array.isArray(candidate.provides);
}
