import { peek } from "../schema/check.js";
import { flagFields } from "../schema/flag-schema.js";
import type { TableRule } from "../schema/table.js";
import { isTable } from "../toml-value.js";
import { type Occurrence, reportDuplicates } from "./duplicates.js";

/** Flag keys are unique across the whole manifest, whichever plugin serves them. */
export const uniqueFlagKeysRule: TableRule = (manifest, _path, ctx) => {
  const keys: Occurrence[] = [];
  const plugins = Array.isArray(manifest.plugins) ? manifest.plugins : [];
  plugins.forEach((plugin: unknown, p) => {
    if (!isTable(plugin) || !Array.isArray(plugin.flags)) return;
    plugin.flags.forEach((flag: unknown, f) => {
      if (!isTable(flag)) return;
      const key = peek(flagFields.key.check, flag.key);
      if (key !== undefined) keys.push({ value: key, path: ["plugins", p, "flags", f, "key"] });
    });
  });
  reportDuplicates(keys, ctx, "flag key", "across the manifest");
};
