import type { ManifestPath } from "../path.js";
import type { TableRule } from "../schema/table.js";
import { nearest } from "../suggest.js";
import { isTable } from "../toml-value.js";

/** Every `env.<name>` block of the manifest, with its path: experiments' and flags'. */
export function* environmentBlocks(
  manifest: Readonly<Record<string, unknown>>,
): Generator<[name: string, path: ManifestPath]> {
  const plugins = Array.isArray(manifest.plugins) ? manifest.plugins : [];
  for (const [p, plugin] of plugins.entries()) {
    if (!isTable(plugin)) continue;
    for (const list of ["experiments", "flags"] as const) {
      const entries = plugin[list];
      if (!Array.isArray(entries)) continue;
      for (const [i, entry] of entries.entries()) {
        if (!isTable(entry) || !isTable(entry.env)) continue;
        for (const name of Object.keys(entry.env)) yield [name, ["plugins", p, list, i, "env", name]];
      }
    }
  }
}

/**
 * When the manifest lists its `environments`, every `env.<name>` block and the `environment` key name one of
 * them (a misspelt `stagin` block would otherwise never apply, silently).
 */
export const environmentNamesRule: TableRule = (manifest, _path, ctx) => {
  // Read raw (the fields report their own type errors); this module must not import the manifest schema,
  // which imports it.
  const list = manifest.environments;
  if (!Array.isArray(list) || !list.every((n) => typeof n === "string")) return;
  const declared = list as string[];
  const unknown = (name: string) => {
    const near = nearest(name, declared);
    return `environment \`${name}\` is not in \`environments\` (${declared.join(", ")})${near === undefined ? "" : `; did you mean \`${near}\`?`}`;
  };
  for (const [name, path] of environmentBlocks(manifest)) {
    if (!declared.includes(name)) ctx.report(path, unknown(name), "key");
  }
  const selected = manifest.environment;
  if (typeof selected === "string" && !declared.includes(selected))
    ctx.report(["environment"], unknown(selected));
};
