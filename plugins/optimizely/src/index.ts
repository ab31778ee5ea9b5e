import { definePlugin } from "@assay/core";
import { OptimizelyBackend } from "./optimizely-plugin.js";
import { fromManifestOptions, validateOptions } from "./options.js";

export {
  OptimizelyBackend,
  type OptimizelyBackendOptions,
  type OptimizelyEventStats,
} from "./optimizely-plugin.js";
export type { OptimizelyAttributeType, OptimizelyPluginOptions } from "./options.js";
export { validateOptions } from "./options.js";

/**
 * The plugin module the manifest loads with `source = "@assay/optimizely"`. Options: `sdk_key` (+
 * `datafile_url`, `polling_interval`, `timeout`) or `datafile_file`; `experiments` (Assay id = Optimizely
 * experiment key), `events` (Assay metric = event key), `attribute_types`, `event_url`, `batch_size`,
 * `flush_interval`, `context_memory`.
 */
export default definePlugin({
  provides: ["experiments"],
  validateOptions,
  createExperimentPlugin(setup) {
    return new OptimizelyBackend({
      ...fromManifestOptions(setup.options, setup.manifestDir),
      name: setup.name,
      experiments: setup.experiments,
      store: setup.store,
    });
  },
});
export { type AttributedRecord, DEFAULT_CONTEXT_MEMORY } from "@assay/adapter-core";
