import { issueAt, type Manifest, ManifestError, type ManifestIssue, type PluginEntry } from "@assay/config";
import type { Capability, PluginDefinition } from "@assay/core";
import { MissingPackageError, packageNameOf, packageResolves } from "./missing-package-error.js";
import { importPluginModule, PluginSourceError } from "./plugin-module.js";

/** A manifest entry with the module its `source` names, checked against what the entry needs. */
export interface LoadedPlugin {
  readonly entry: PluginEntry;
  readonly definition: PluginDefinition;
  /** The capabilities this entry is used for. */
  readonly roles: readonly Capability[];
}

const FACTORY: Record<Capability, keyof PluginDefinition> = {
  experiments: "createExperimentPlugin",
  flags: "createFlagPlugin",
  events: "createEventStore",
};

/**
 * Imports every plugin of the manifest and checks it: the module loads and exports a plugin, it provides
 * the capabilities the entry needs (an entry with experiments needs `experiments`), it has the factory for
 * each capability it claims, it accepts the entry's options, and at most one plugin is the event store.
 * Every problem of every entry is collected and thrown as one ManifestError, pinned to the manifest's lines
 * (a MissingPackageError, which is one, when a `source` package is not installed).
 */
export async function loadPlugins(manifest: Manifest): Promise<LoadedPlugin[]> {
  const issues: ManifestIssue[] = [];
  const missing: string[] = [];
  const loaded: LoadedPlugin[] = [];
  const results = await Promise.all(
    manifest.plugins.map((entry) =>
      importPluginModule(entry.source, manifest.dir).then(
        (definition) => ({ entry, definition }),
        (error: unknown) => ({ entry, error }),
      ),
    ),
  );
  let store: PluginEntry | undefined;
  for (const result of results) {
    const { entry } = result;
    if ("error" in result) {
      if (!packageResolves(entry.source, manifest.dir)) {
        const name = packageNameOf(entry.source);
        missing.push(name);
        issues.push(
          issueAt(
            manifest,
            [...entry.path, "source"],
            `package ${JSON.stringify(name)} is not installed where the manifest is (${manifest.dir}): run npm install ${name}, or give a path starting with ./`,
          ),
        );
        continue;
      }
      const message = result.error instanceof PluginSourceError ? result.error.message : String(result.error);
      issues.push(
        issueAt(
          manifest,
          [...entry.path, "source"],
          `${JSON.stringify(entry.source)} ${message.replace(/^"[^"]*" /, "")}`,
        ),
      );
      continue;
    }
    const { definition } = result;
    const before = issues.length;
    for (const capability of definition.provides) {
      if (typeof definition[FACTORY[capability]] !== "function") {
        issues.push(
          issueAt(
            manifest,
            [...entry.path, "source"],
            `${entry.source} claims to provide ${capability} but has no ${FACTORY[capability]}()`,
          ),
        );
      }
    }
    const roles = definition.provides;
    if (entry.experiments.length > 0 && !definition.provides.includes("experiments")) {
      issues.push(
        issueAt(
          manifest,
          [...entry.path, "experiments"],
          `plugin ${entry.name} (${entry.source}) provides ${definition.provides.join(", ") || "nothing"}, not experiments; declare experiments under an experiment backend such as @assay/experiment-hash`,
          "key",
        ),
      );
    }
    if (roles.includes("events")) {
      if (store !== undefined) {
        issues.push(
          issueAt(
            manifest,
            [...entry.path, "source"],
            `a second event store; plugin ${store.name} already stores the events (keep one)`,
          ),
        );
      }
      store = entry;
    }
    for (const problem of definition.validateOptions?.(entry.options) ?? []) {
      issues.push(issueAt(manifest, [...entry.path, "options", ...problem.key.split(".")], problem.message));
    }
    if (issues.length === before) loaded.push({ entry, definition, roles });
  }
  if (missing.length > 0) throw new MissingPackageError(issues, missing);
  if (issues.length > 0) throw new ManifestError(issues);
  return loaded;
}
