import { definePlugin } from "@assay/core";
import { fromManifestOptions, validateOptions } from "./options.js";
import { StatsigBackend } from "./statsig-plugin.js";

export type { StatsigLogLevel, StatsigPluginOptions } from "./options.js";
export { validateOptions } from "./options.js";
export { SpecsDataStore } from "./specs-store.js";
export {
  StatsigBackend,
  type StatsigBackendOptions,
  type StatsigExposureStats,
} from "./statsig-plugin.js";

/**
 * The plugin module the manifest loads with `source = "@assay/statsig"`. Options: `server_secret`, and
 * `specs_url` (default Statsig's CDN) or `specs_file`; `sync_interval`, `flush_interval`, `timeout`,
 * `environment`, `experiments` (Assay id = Statsig experiment name), `context_memory`, `log_level`.
 */
export default definePlugin({
  provides: ["experiments"],
  validateOptions,
  createExperimentPlugin(setup) {
    return new StatsigBackend({
      ...fromManifestOptions(setup.options, setup.manifestDir),
      name: setup.name,
      experiments: setup.experiments,
      store: setup.store,
    });
  },
});
export { type AttributedRecord, DEFAULT_CONTEXT_MEMORY } from "@assay/adapter-core";
