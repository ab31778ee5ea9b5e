import type { ExperimentContext, FeatureFlagPlugin, FlagDefinition } from "@assay/core";
import { annotateFlag } from "./telemetry.js";

/**
 * Feature flags, through the manifest's flag backends: `assay.flags.isEnabled("new_checkout", ctx)`. Flags
 * choose what code runs and never emit analytics (nothing is recorded, nothing is exposed). A key declared
 * under a plugin's `[[plugins.flags]]` goes to that plugin; any other key to the first flag plugin (backends
 * that know their own keys); with no flag plugin, every flag is off. With tracing, each evaluation adds the
 * `feature_flag.*` attributes to the active span, as `assign` does. Never throws: a failing backend serves
 * off (or `fallback`) and reports to `onError`, as `assignOrControl` does.
 */
export class FlagClient {
  /** @internal built by createAssay. */
  constructor(
    private readonly routes: ReadonlyMap<string, FeatureFlagPlugin>,
    private readonly fallbackPlugin: FeatureFlagPlugin | undefined,
    private readonly onError: (error: unknown, flag: string) => void,
    /** Whether to annotate the active span (the client's tracing state, read per evaluation). */
    private readonly tracing: () => boolean = () => false,
    /** Also set the deprecated attribute names (`createAssay({ deprecatedTelemetryAttributes })`). */
    private readonly deprecatedAttributes = false,
    /** The flags the manifest declares, by key. */
    private readonly definitions: ReadonlyMap<string, FlagDefinition> = new Map(),
  ) {}

  /** Whether `flag` is on for this unit: enabled, passing its targeting, and inside its rollout. */
  isEnabled(flag: string, ctx: ExperimentContext): boolean {
    const plugin = this.routes.get(flag) ?? this.fallbackPlugin;
    if (plugin === undefined) return false;
    let enabled: boolean;
    try {
      enabled = plugin.isEnabled(flag, ctx);
    } catch (error) {
      this.onError(error, flag);
      return false;
    }
    if (this.tracing())
      annotateFlag(flag, enabled ? "on" : "off", ctx, plugin.name, this.deprecatedAttributes);
    return enabled;
  }

  /** The value of a string flag for this unit, or `fallback` when the flag has none for it. */
  variant(flag: string, ctx: ExperimentContext, fallback: string): string {
    const plugin = this.routes.get(flag) ?? this.fallbackPlugin;
    if (plugin === undefined) return fallback;
    let value: string;
    try {
      value = plugin.variant(flag, ctx, fallback);
    } catch (error) {
      this.onError(error, flag);
      return fallback;
    }
    if (this.tracing()) annotateFlag(flag, value, ctx, plugin.name, this.deprecatedAttributes);
    return value;
  }

  /**
   * The flag as the manifest declares it (boolean when it has no `variants`, else a string flag), or
   * undefined for a key the manifest does not declare.
   */
  definition(flag: string): FlagDefinition | undefined {
    return this.definitions.get(flag);
  }

  /** The flag keys the manifest declares, in manifest order. */
  keys(): string[] {
    return [...this.routes.keys()];
  }
}
