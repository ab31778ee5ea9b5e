import type { PluginEntry } from "../manifest.js";
import { uniqueExperimentIdsRule, uniquePluginNamesRule } from "../rules/unique-manifest-ids-rule.js";
import { arrayOf } from "./collections.js";
import { pluginSchema } from "./plugin-schema.js";
import { required, type TableSchema, tableOf } from "./table.js";

/** Keys of the document's top level. */
export const manifestFields = {
  plugins: required(
    arrayOf(tableOf(pluginSchema, "a table ([[plugins]])"), {
      expected: "an array of tables, written as [[plugins]] sections",
      min: { count: 1, why: "plugin" },
    }),
    'declare at least one plugin: [[plugins]] with name = "..." and source = "..."',
  ),
};

/** The whole document; builds the plugin list. */
export const manifestSchema: TableSchema<typeof manifestFields, readonly PluginEntry[]> = {
  where: "at the top level",
  fields: manifestFields,
  rules: [uniquePluginNamesRule, uniqueExperimentIdsRule],
  build: (values) => Object.freeze(values.plugins),
};
