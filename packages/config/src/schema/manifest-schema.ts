import type { PluginEntry } from "../manifest.js";
import { environmentNamesRule } from "../rules/environment-names-rule.js";
import { uniqueFlagKeysRule } from "../rules/unique-flag-keys-rule.js";
import { uniqueExperimentIdsRule, uniquePluginNamesRule } from "../rules/unique-manifest-ids-rule.js";
import { unitRule } from "../rules/unit-rule.js";
import { nearest } from "../suggest.js";
import { INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { dimensionsList } from "./dimensions-schema.js";
import { ENVIRONMENT_PATTERN } from "./environment-schema.js";
import { UNIT_PATTERN } from "./experiment-schema.js";
import { type LayerEntry, layerSchema } from "./layer-schema.js";
import { type MetricDefinition, metricsList, uniqueMetricNamesRule } from "./metric-schema.js";
import { pluginSchema } from "./plugin-schema.js";
import { text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf, withDefault } from "./table.js";

const environmentName = text({
  expected: 'an environment name (letters, digits, _ and -, e.g. "staging")',
  pattern: ENVIRONMENT_PATTERN,
});

/** The plugins with the top-level `dimensions` given to every experiment that declares none of its own. */
function withDefaultDimensions(
  plugins: readonly PluginEntry[],
  dimensions: readonly string[] | undefined,
): readonly PluginEntry[] {
  if (dimensions === undefined) return plugins;
  return plugins.map((plugin) =>
    plugin.experiments.some((e) => e.dimensions === undefined)
      ? Object.freeze({
          ...plugin,
          experiments: Object.freeze(
            plugin.experiments.map((e) =>
              e.dimensions === undefined ? Object.freeze({ ...e, dimensions }) : e,
            ),
          ),
        })
      : plugin,
  );
}

/** Keys of the document's top level. */
export const manifestFields = {
  plugins: required(
    arrayOf(tableOf(pluginSchema, "a table ([[plugins]])"), {
      expected: "an array of tables, written as [[plugins]] sections",
      min: { count: 1, why: "plugin" },
    }),
    'declare at least one plugin: [[plugins]] with name = "..." and source = "..."',
  ),
  environment: optional(environmentName),
  environments: optional(
    arrayOf(environmentName, { expected: 'an array of environment names, e.g. ["staging", "production"]' }),
  ),
  /** Context attributes an experiment may randomize by (`unit = "account"`), besides those used in targeting. */
  attributes: optional(
    arrayOf(
      text({
        expected: 'an attribute name (letters, digits, _ . : -, not starting with a digit; e.g. "account")',
        pattern: UNIT_PATTERN,
      }),
      { expected: 'an array of attribute names, e.g. ["account", "team"]' },
    ),
  ),
  layers: withDefault(
    arrayOf(tableOf(layerSchema, "a table ([[layers]])"), {
      expected: "an array of tables, written as [[layers]] sections",
    }),
    [],
  ),
  /** Metric definitions analysis plans refer to by name. */
  metrics: withDefault(metricsList, []),
  /** The dimensions of every experiment that declares none of its own (`dimensions = []` opts one out). */
  dimensions: optional(dimensionsList),
};

export interface ManifestBody {
  readonly plugins: readonly PluginEntry[];
  readonly layers: readonly LayerEntry[];
  readonly metrics: readonly MetricDefinition[];
}

/**
 * The whole document; builds the plugin list, with each layered experiment given its slot. A layer's
 * experiments must be declared, belong to that layer only, and share one unit (a unit id is hashed once per
 * layer).
 */
export const manifestSchema: TableSchema<typeof manifestFields, ManifestBody> = {
  where: "at the top level",
  fields: manifestFields,
  rules: [
    uniquePluginNamesRule,
    uniqueExperimentIdsRule,
    uniqueFlagKeysRule,
    environmentNamesRule,
    unitRule,
    uniqueMetricNamesRule,
  ],
  build: (values, _path, ctx) => {
    const experiments = new Map(values.plugins.flatMap((p) => p.experiments.map((e) => [e.id, e] as const)));
    const slotOf = new Map<string, LayerEntry["slots"][number]>();
    const placedAt = new Map<string, readonly (string | number)[]>();
    let valid = true;
    values.layers.forEach((layer, l) => {
      let unit: string | undefined;
      layer.slots.forEach((slot, s) => {
        const at = ["layers", l, "experiments", s, "id"];
        const experiment = experiments.get(slot.experiment);
        if (experiment === undefined) {
          const near = nearest(slot.experiment, experiments.keys());
          ctx.report(
            at,
            `no experiment \`${slot.experiment}\` is declared${near === undefined ? "" : `; did you mean \`${near}\`?`}`,
          );
          valid = false;
          return;
        }
        const earlier = placedAt.get(slot.experiment);
        if (earlier !== undefined) {
          ctx.report(
            at,
            `\`${slot.experiment}\` already has a slot on line ${ctx.locate(earlier).line}; an experiment belongs to one layer, once`,
          );
          valid = false;
          return;
        }
        placedAt.set(slot.experiment, at);
        if (unit !== undefined && experiment.unit !== unit) {
          ctx.report(
            at,
            `\`${slot.experiment}\` randomizes by \`${experiment.unit}\` but this layer by \`${unit}\`; the experiments of a layer share one unit`,
          );
          valid = false;
        }
        unit ??= experiment.unit;
        slotOf.set(slot.experiment, slot);
      });
    });
    if (!valid) return INVALID;
    const withDimensions = withDefaultDimensions(values.plugins, values.dimensions);
    const plugins = withDimensions.map((plugin) =>
      plugin.experiments.some((e) => slotOf.has(e.id))
        ? Object.freeze({
            ...plugin,
            experiments: Object.freeze(
              plugin.experiments.map((e) => {
                const slot = slotOf.get(e.id);
                return slot === undefined
                  ? e
                  : Object.freeze({
                      ...e,
                      layer: Object.freeze({ id: slot.id, start: slot.start, end: slot.end }),
                    });
              }),
            ),
          })
        : plugin,
    );
    return Object.freeze({
      plugins: Object.freeze(plugins),
      layers: Object.freeze(values.layers),
      metrics: Object.freeze(values.metrics),
    });
  },
};
