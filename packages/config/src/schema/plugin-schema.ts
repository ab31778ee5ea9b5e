import type { PluginEntry } from "../manifest.js";
import { anyTable, arrayOf } from "./collections.js";
import { experimentSchema } from "./experiment-schema.js";
import { flagTable } from "./flag-schema.js";
import { text } from "./scalars.js";
import { required, type TableSchema, tableOf, withDefault } from "./table.js";

/** Keys of a `[[plugins]]` table. */
export const pluginFields = {
  name: required(
    text({ expected: 'a non-empty string (the plugin\'s name, unique among plugins, e.g. "events")' }),
    'the plugin\'s name, unique among plugins, e.g. name = "events"',
  ),
  source: required(
    text({
      expected:
        'a non-empty string: a package name (e.g. "@assay/experiment-hash") or a path relative to the manifest (e.g. "./plugins/mine.js")',
    }),
    'a package name or a path relative to the manifest, e.g. source = "@assay/experiment-hash"',
  ),
  options: withDefault(
    anyTable({ expected: 'a table, e.g. options = { path = ".assay/events.db" }' }),
    Object.freeze({}),
  ),
  experiments: withDefault(
    arrayOf(tableOf(experimentSchema, "a table ([[plugins.experiments]])"), {
      expected: "an array of tables, written as [[plugins.experiments]] sections",
    }),
    [],
  ),
  flags: withDefault(
    arrayOf(flagTable, { expected: "an array of tables, written as [[plugins.flags]] sections" }),
    [],
  ),
};

export const pluginSchema: TableSchema<typeof pluginFields, PluginEntry> = {
  where: "in plugin",
  fields: pluginFields,
  build: (values, path, ctx) =>
    Object.freeze({
      name: values.name,
      source: values.source,
      options: values.options,
      experiments: Object.freeze(values.experiments),
      flags: Object.freeze(values.flags),
      path: Object.freeze([...path]),
      location: ctx.locate(path),
    }),
};
