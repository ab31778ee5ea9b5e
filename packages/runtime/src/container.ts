import type { Manifest } from "@assay/config";
import type { EventStore, ExperimentPlugin, FeatureFlagPlugin, PluginSetup } from "@assay/core";
import { Container, type ServiceIdentifier } from "inversify";
import { defaultEventStore } from "./default-store.js";
import type { LoadedPlugin } from "./load-plugins.js";
import { TOKENS } from "./tokens.js";

/** Options that replace what the manifest would build (tests, embedding). */
export interface ContainerOverrides {
  /** Use this store instead of the manifest's (or the default one). */
  readonly store?: EventStore;
}

/**
 * Binds the manifest, the event store and every plugin into an inversify container. Each plugin's factory
 * runs once (singleton) with its options and its dependencies resolved from the container: an experiment
 * backend receives the EventStore, it never constructs one.
 */
export function buildContainer(
  manifest: Manifest,
  plugins: readonly LoadedPlugin[],
  overrides: ContainerOverrides = {},
): Container {
  const container = new Container();
  container.bind(TOKENS.Manifest).toConstantValue(manifest);

  const setupOf = (plugin: LoadedPlugin): PluginSetup => ({
    name: plugin.entry.name,
    options: plugin.entry.options,
    manifestDir: manifest.dir,
  });

  const storePlugin = plugins.find((p) => p.roles.includes("events"));
  if (overrides.store !== undefined) {
    container.bind(TOKENS.EventStore).toConstantValue(overrides.store);
  } else if (storePlugin !== undefined) {
    container
      .bind(TOKENS.EventStore)
      .toDynamicValue(async () => storePlugin.definition.createEventStore!(setupOf(storePlugin)))
      .inSingletonScope();
  } else {
    container.bind(TOKENS.EventStore).toConstantValue(defaultEventStore(manifest.dir));
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
            store: await context.getAsync(TOKENS.EventStore),
          }),
        )
        .inSingletonScope();
      container.bind(TOKENS.ExperimentPlugin).toService(id);
    }
    if (plugin.roles.includes("flags")) {
      const id = pluginToken<FeatureFlagPlugin>("flags", plugin.entry.name);
      container
        .bind(id)
        .toDynamicValue(async () => plugin.definition.createFlagPlugin!(setupOf(plugin)))
        .inSingletonScope();
      container.bind(TOKENS.FeatureFlagPlugin).toService(id);
    }
  }
  return container;
}

/** The token of one manifest entry's instance for one capability. */
export function pluginToken<T>(capability: string, name: string): ServiceIdentifier<T> {
  return Symbol.for(`assay.plugin.${capability}.${name}`) as ServiceIdentifier<T>;
}
