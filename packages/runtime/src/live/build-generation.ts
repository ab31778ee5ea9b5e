import { issueAt, type Manifest, ManifestError } from "@assay/config";
import {
  DEFAULT_ENVIRONMENT,
  type EventStore,
  type ExperimentPlugin,
  type FeatureFlagPlugin,
  type FlagDefinition,
  hasStickyAssignments,
  type StickyAssignmentStore,
} from "@assay/core";
import { BatchingEventStore } from "@assay/pipeline";
import type { AssayGeneration, ExperimentRoute } from "../assay-client.js";
import { FlagClient } from "../flag-client.js";
import type { LoadedPlugin } from "../load-plugins.js";
import { ExperimentPolicy, needsPolicy } from "../policy/experiment-policy.js";
import { StickyAssignments, type StickyOptions } from "../policy/sticky-assignments.js";

/**
 * Makes (once) the backend a manifest plugin entry provides for one capability: the DI container behind it,
 * kept out of this module's types so that inversify's types stay out of the published declarations (a
 * TypeScript project on moduleResolution node10 cannot resolve them).
 */
export type ResolvePlugin = <T>(capability: "experiments" | "flags", name: string) => Promise<T>;

/** What every generation of one client shares. */
export interface GenerationContext {
  readonly onError: (error: unknown, experiment: string) => void;
  /** Whether the client annotates spans now (read per flag evaluation). */
  readonly tracing: () => boolean;
  readonly deprecatedAttributes: boolean;
}

/**
 * Makes the backends and flag backends of `plugins` (through `resolve`, whose store every generation
 * shares), initializes them, and compiles each experiment's policy over `sticky`. Throws the ManifestError
 * of a manifest that declares no experiment backend. On a throw, the backends already made are closed.
 */
export async function buildGeneration(
  manifest: Manifest,
  plugins: readonly LoadedPlugin[],
  resolve: ResolvePlugin,
  sticky: StickyAssignments | undefined,
  identity: { readonly version: number; readonly manifestVersion: string },
  context: GenerationContext,
): Promise<AssayGeneration> {
  const routes = new Map<string, ExperimentRoute>();
  const backends: ExperimentPlugin[] = [];
  const flagRoutes = new Map<string, FeatureFlagPlugin>();
  const flagDefinitions = new Map<string, FlagDefinition>();
  const flagBackends: FeatureFlagPlugin[] = [];
  try {
    for (const plugin of plugins) {
      if (!plugin.roles.includes("experiments")) continue;
      const backend = await resolve<ExperimentPlugin>("experiments", plugin.entry.name);
      backends.push(backend);
      await backend.init?.();
      for (const definition of plugin.entry.experiments) {
        const policy = needsPolicy(definition) ? new ExperimentPolicy(definition, sticky) : undefined;
        routes.set(definition.id, { definition, plugin: backend, policy });
      }
    }
    for (const plugin of plugins) {
      if (!plugin.roles.includes("flags")) continue;
      const backend = await resolve<FeatureFlagPlugin>("flags", plugin.entry.name);
      flagBackends.push(backend);
      await backend.init?.();
      for (const flag of plugin.entry.flags) {
        flagRoutes.set(flag.key, backend);
        flagDefinitions.set(flag.key, flag);
      }
    }
    if (backends.length === 0) {
      throw new ManifestError([
        issueAt(
          manifest,
          ["plugins"],
          'no plugin provides experiments; add a [[plugins]] entry with source = "@assay/experiment-hash"',
          "key",
        ),
      ]);
    }
  } catch (error) {
    await Promise.all([...backends, ...flagBackends].map((b) => b.close?.().catch(() => undefined)));
    throw error;
  }
  return {
    routes,
    plugins: backends,
    flags: new FlagClient(
      flagRoutes,
      flagBackends[0],
      context.onError,
      context.tracing,
      context.deprecatedAttributes,
      flagDefinitions,
    ),
    flagPlugins: flagBackends,
    sticky,
    version: identity.version,
    manifestVersion: identity.manifestVersion,
    environment: manifest.environment ?? DEFAULT_ENVIRONMENT,
  };
}

/**
 * The sticky map of the manifest's sticky experiments, over the event store's sticky capability (SQLite,
 * PostgreSQL, memory); undefined when none is sticky. A sticky experiment with a store that has none is a
 * manifest error at its `sticky` key. Not loaded yet: the caller awaits `load()`.
 */
export function stickyAssignments(
  manifest: Manifest,
  store: EventStore,
  onError: (error: unknown, experiment: string) => void,
  options: StickyOptions | undefined,
): StickyAssignments | undefined {
  const sticky = manifest.plugins.flatMap((p) =>
    p.experiments.flatMap((e, i) =>
      e.sticky === undefined
        ? []
        : [{ experiment: e.id, version: e.sticky.version, path: [...p.path, "experiments", i, "sticky"] }],
    ),
  );
  if (sticky.length === 0) return undefined;
  const base: unknown = store instanceof BatchingEventStore ? store.inner : store;
  if (!hasStickyAssignments(base)) {
    throw new ManifestError(
      sticky.map((s) =>
        issueAt(
          manifest,
          s.path,
          `the event store "${store.name}" keeps no sticky assignments; use @assay/store-sqlite or @assay/store-postgres`,
          "key",
        ),
      ),
    );
  }
  return new StickyAssignments(
    base as StickyAssignmentStore,
    sticky,
    onError,
    options,
    manifest.environment ?? DEFAULT_ENVIRONMENT,
  );
}
