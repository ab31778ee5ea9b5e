import type { ExperimentContext, ExperimentDefinition, FlagDefinition, Variant } from "@assay/core";

/**
 * What the provider needs of an Assay client. An `Assay` from `createAssay` (`@assay/runtime`) is one, and
 * so is its `snapshot()` for a provider pinned to one manifest version; declared here as a shape so the
 * provider does not pull the runtime (and its plugins) into an app that already has it.
 */
export interface AssaySource {
  /** Changes when the client's manifest is reloaded; the provider rebuilds its experiment index then. */
  readonly manifestVersion?: string;
  /** The declared experiments, in manifest order. */
  experiments(): readonly ExperimentDefinition[];
  /** Throws ExperimentError (EXPERIMENT_NOT_FOUND, INVALID_CONTEXT), as the runtime's `assign` does. */
  assign(experiment: string, ctx: ExperimentContext): Variant;
  /** Records an exposure; resolves once it is durable. Failures also go to the client's `onError`. */
  expose(variant: Variant, ctx: ExperimentContext): Promise<void>;
  /** Records an outcome; resolves once it is durable. Failures also go to the client's `onError`. */
  track(experiment: string, metric: string, value: number | boolean, ctx: ExperimentContext): Promise<void>;
  readonly flags: {
    definition(flag: string): FlagDefinition | undefined;
    isEnabled(flag: string, ctx: ExperimentContext): boolean;
    variant(flag: string, ctx: ExperimentContext, fallback: string): string;
  };
  /** Flushes and closes the client; called by `onClose` only when the provider owns the client. */
  close(): Promise<void>;
}
