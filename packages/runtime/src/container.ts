import type { Manifest } from "@assay/config";
import type { EventStore, ExperimentPlugin, FeatureFlagPlugin, PluginSetup } from "@assay/core";
import { BatchingEventStore, type BatchingOptions } from "@assay/pipeline";
import { Container, type ServiceIdentifier } from "inversify";
import { defaultEventStore } from "./default-store.js";
import type { ResolvePlugin } from "./live/build-generation.js";
import type { LoadedPlugin } from "./load-plugins.js";
import { TOKENS } from "./tokens.js";

/** Options that replace what the manifest would build (tests, embedding). */
export interface ContainerOverrides {
  /** Use this store instead of the manifest's (or the default one). */
  readonly store?: EventStore;
  /** Options of the batching pipeline every store is wrapped in (group commit, backpressure, retries). */
  readonly pipeline?: BatchingOptions;
}

/**
 * Binds the manifest, the event store and every plugin into an inversify container. Each plugin's factory
 * runs once (singleton) with its options and its dependencies resolved from the container: an experiment
 * backend receives the EventStore, it never constructs one. The store is wrapped in the batching pipeline
 * (@assay/pipeline): backends append one event at a time, the pipeline commits them in groups.
 */
export function buildContainer(
  manifest: Manifest,
  plugins: readonly LoadedPlugin[],
  overrides: ContainerOverrides = {},
): Container {
  const container = new Container();
  container.bind<Manifest>(TOKENS.Manifest).toConstantValue(manifest);

  const setupOf = (plugin: LoadedPlugin): PluginSetup => ({
    name: plugin.entry.name,
    options: plugin.entry.options,
    manifestDir: manifest.dir,
  });

  const storePlugin = plugins.find((p) => p.roles.includes("events"));
  const batched = (store: EventStore): EventStore =>
    store instanceof BatchingEventStore ? store : new BatchingEventStore(store, overrides.pipeline);
  if (overrides.store !== undefined) {
    container.bind<EventStore>(TOKENS.EventStore).toConstantValue(batched(overrides.store));
  } else if (storePlugin !== undefined) {
    container
      .bind<EventStore>(TOKENS.EventStore)
      .toDynamicValue(async () =>
        batched(await storePlugin.definition.createEventStore!(setupOf(storePlugin))),
      )
      .inSingletonScope();
  } else {
    container
      .bind<EventStore>(TOKENS.EventStore)
      .toDynamicValue(async () => batched(await defaultEventStore(manifest)))
      .inSingletonScope();
  }

  for (const plugin of plugins) {
    if (plugin.roles.includes("experiments")) {
      const id = pluginToken<ExperimentPlugin>("experiments", plugin.entry.name);
      container
        .bind(id)
        .toDynamicValue(async (context) =>
          plugin.definition.createExperimentPlugin!({
            ...setupOf(plugin),
            experiments: plugin.entry.experiments,
            store: await context.getAsync<EventStore>(TOKENS.EventStore),
          }),
        )
        .inSingletonScope();
      container.bind<ExperimentPlugin>(TOKENS.ExperimentPlugin).toService(id);
    }
    if (plugin.roles.includes("flags")) {
      const id = pluginToken<FeatureFlagPlugin>("flags", plugin.entry.name);
      container
        .bind(id)
        .toDynamicValue(async () =>
          plugin.definition.createFlagPlugin!({ ...setupOf(plugin), flags: plugin.entry.flags }),
        )
        .inSingletonScope();
      container.bind<FeatureFlagPlugin>(TOKENS.FeatureFlagPlugin).toService(id);
    }
  }
  return container;
}

/** The token of one manifest entry's instance for one capability. */
export function pluginToken<T>(capability: string, name: string): ServiceIdentifier<T> {
  return Symbol.for(`assay.plugin.${capability}.${name}`) as ServiceIdentifier<T>;
}

/** The `ResolvePlugin` of a built container: each plugin's backend for a capability, made on first ask. */
export function pluginResolver(container: Container): ResolvePlugin {
  return (capability, name) => container.getAsync(pluginToken(capability, name));
}
