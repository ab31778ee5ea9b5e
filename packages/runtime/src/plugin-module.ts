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
  return pathToFileURL(locatePluginSource(source, manifestDir).file).href;
}

/** Where a manifest `source` points, found without running any of its code. */
export interface PluginSourceLocation {
  /** A path (`./x.js`, `/abs/x.js`): code that came with the manifest. A package: installed code. */
  readonly kind: "path" | "package";
  /** The file the source names (a path need not exist; a package resolved to its entry file). */
  readonly file: string;
  /**
   * A package the runtime itself ships (resolved from its own dependencies, and not shadowed by another copy
   * beside the manifest): the bundled plugins.
   */
  readonly bundled: boolean;
}

/**
 * Resolves a `source` as {@link importPluginModule} does, without importing it: resolution reads package.json
 * files, never runs a module. Throws {@link PluginSourceError} when a package is not installed.
 */
export function locatePluginSource(source: string, manifestDir: string): PluginSourceLocation {
  if (source.startsWith(".") || isAbsolute(source)) {
    return { kind: "path", file: isAbsolute(source) ? source : resolve(manifestDir, source), bundled: false };
  }
  const found = [join(manifestDir, "package.json"), import.meta.filename].map((base) => {
    try {
      return createRequire(base).resolve(source);
    } catch {
      return undefined;
    }
  });
  const file = found[0] ?? found[1];
  if (file === undefined) {
    throw new PluginSourceError(
      `cannot be loaded: package ${JSON.stringify(source)} is not installed where the manifest is (${manifestDir}); install it, or give a path starting with ./`,
    );
  }
  return { kind: "package", file, bundled: found[1] !== undefined && file === found[1] };
}
