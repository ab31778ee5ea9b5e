import type { ExperimentDefinition, FlagDefinition } from "@assay/core";
import type { ExperimentPlan } from "@assay/stats";
import type { Locatable, LocationTarget } from "./issue.js";
import type { ManifestPath } from "./path.js";
import type { LayerEntry } from "./schema/layer-schema.js";
import type { MetricDefinition } from "./schema/metric-schema.js";
import type { SourceLocation } from "./source-location.js";

/**
 * An experiment as declared under `[[plugins.experiments]]`: the core definition plus its description and
 * its analysis plan.
 */
export interface ExperimentEntry extends ExperimentDefinition {
  /** Free text for people; no effect on assignment. */
  readonly description?: string;
  /**
   * The analysis plan of `[plugins.experiments.analysis]`, ready for `evaluate` of @assay/stats: `control`
   * and `weights` taken from the variants, every default written out (alpha, correction, per-metric
   * direction and scale, guardrail margins, guardrailAlpha, srmThreshold). Absent when the experiment
   * declares none.
   */
  readonly analysis?: ExperimentPlan;
}

/** One `[[plugins]]` entry, validated. */
export interface PluginEntry {
  /** Unique among the manifest's plugins. */
  readonly name: string;
  /** A package name, or a path relative to the manifest's directory. Not resolved here. */
  readonly source: string;
  /** The entry's `options` table as written ({} when absent); the plugin validates it when loaded. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The experiments this plugin serves, in declared order ([] when none). */
  readonly experiments: readonly ExperimentEntry[];
  /** The feature flags of `[[plugins.flags]]` this plugin serves, in declared order ([] when none). */
  readonly flags: readonly FlagDefinition[];
  /** This entry's path, `["plugins", index]`: extend it to report on its keys, e.g. `[...path, "options", "url"]`. */
  readonly path: ManifestPath;
  /** Where the entry starts (its `[[plugins]]` header). */
  readonly location: SourceLocation;
}

export type { LayerEntry } from "./schema/layer-schema.js";
export type { MetricDefinition } from "./schema/metric-schema.js";

/** A validated `assay.toml`. */
export interface Manifest extends Locatable {
  /** The manifest's file name as given to the parser (issues are reported with it). */
  readonly file: string;
  /** Absolute directory of the manifest: relative `source` paths and plugin options resolve from here. */
  readonly dir: string;
  /** The `[[plugins]]` entries in declared order; at least one. */
  readonly plugins: readonly PluginEntry[];
  /**
   * The environment whose `env.<name>` blocks were applied: the one asked for when parsing (`ASSAY_ENV`,
   * `--env`), else the manifest's `environment` key; undefined when none (the base values).
   */
  readonly environment: string | undefined;
  /** Every environment the manifest knows: its `environments` list and the names of its `env` blocks. */
  readonly environments: readonly string[];
  /** The `[[layers]]` of mutually exclusive experiments, in declared order. */
  readonly layers: readonly LayerEntry[];
  /** The `[[metrics]]` definitions, in declared order ([] when none); plans refer to them by name. */
  readonly metrics: readonly MetricDefinition[];
  /**
   * Where `path` is written: the start of its value (or of its key with `target` "key"). A path the file
   * does not spell out gives its nearest written ancestor, so a problem found later (a `source` that does
   * not load, an option the plugin rejects) still points at the right table.
   */
  locate(path: ManifestPath, target?: LocationTarget): SourceLocation;
}
