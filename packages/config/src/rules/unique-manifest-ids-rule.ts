import type { ManifestPath } from "../path.js";
import { peek } from "../schema/check.js";
import { experimentFields } from "../schema/experiment-schema.js";
import { pluginFields } from "../schema/plugin-schema.js";
import type { TableRule } from "../schema/table.js";
import { isTable } from "../toml-value.js";
import { type Occurrence, reportDuplicates } from "./duplicates.js";

/** Plugin names are unique among the manifest's plugins. */
export const uniquePluginNamesRule: TableRule = (manifest, _path, ctx) => {
  const names: Occurrence[] = [];
  for (const [plugin, pluginPath] of plugins(manifest)) {
    const name = peek(pluginFields.name.check, plugin.name);
    if (name !== undefined) names.push({ value: name, path: [...pluginPath, "name"] });
  }
  reportDuplicates(names, ctx, "plugin name", "among plugins");
};

/** Experiment ids are unique across the whole manifest, whichever plugin serves them. */
export const uniqueExperimentIdsRule: TableRule = (manifest, _path, ctx) => {
  const ids: Occurrence[] = [];
  for (const [plugin, pluginPath] of plugins(manifest)) {
    const experiments = plugin.experiments;
    if (!Array.isArray(experiments)) continue;
    experiments.forEach((experiment: unknown, index) => {
      if (!isTable(experiment)) return;
      const id = peek(experimentFields.id.check, experiment.id);
      if (id !== undefined) ids.push({ value: id, path: [...pluginPath, "experiments", index, "id"] });
    });
  }
  reportDuplicates(ids, ctx, "experiment id", "across the manifest");
};

function* plugins(
  manifest: Readonly<Record<string, unknown>>,
): Generator<[Readonly<Record<string, unknown>>, ManifestPath]> {
  const entries = manifest.plugins;
  if (!Array.isArray(entries)) return;
  for (const [index, plugin] of entries.entries()) {
    if (isTable(plugin)) yield [plugin, ["plugins", index]];
  }
}
