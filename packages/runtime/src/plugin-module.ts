import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isPluginDefinition, type PluginDefinition } from "@assay/core";

/** Why a `source` could not become a plugin definition; the loader turns it into a manifest issue. */
export class PluginSourceError extends Error {
  override readonly name = "PluginSourceError";
}

/**
 * Imports the module a manifest `source` names and returns its plugin definition. A relative or absolute
 * path resolves from the manifest's directory; a package name resolves from the manifest's directory first
 * (the app's node_modules), then from the runtime's own dependencies (the bundled plugins).
 */
export async function importPluginModule(source: string, manifestDir: string): Promise<PluginDefinition> {
  const url = resolveSource(source, manifestDir);
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new PluginSourceError(`cannot be loaded: ${(cause as Error).message.split("\n")[0]}`, { cause });
  }
  const candidate = module.default ?? module.plugin;
  if (!isPluginDefinition(candidate)) {
    throw new PluginSourceError(
      `${JSON.stringify(source)} loads, but does not export an Assay plugin: its default export must be made with definePlugin() from @assay/core`,
    );
  }
  return candidate;
}

function resolveSource(source: string, manifestDir: string): string {
  if (source.startsWith(".") || isAbsolute(source)) {
    return pathToFileURL(isAbsolute(source) ? source : resolve(manifestDir, source)).href;
  }
  for (const base of [join(manifestDir, "package.json"), import.meta.filename]) {
    try {
      return pathToFileURL(createRequire(base).resolve(source)).href;
    } catch {
      // try the next base
    }
  }
  throw new PluginSourceError(
    `cannot be loaded: package ${JSON.stringify(source)} is not installed where the manifest is (${manifestDir}); install it, or give a path starting with ./`,
  );
}
