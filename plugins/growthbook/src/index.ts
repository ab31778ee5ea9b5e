import { definePlugin } from "@assay/core";
import { GrowthBookBackend } from "./growthbook-plugin.js";
import { fromManifestOptions, validateOptions } from "./options.js";

export { GrowthBookBackend, type GrowthBookBackendOptions } from "./growthbook-plugin.js";
export type { GrowthBookExposure, GrowthBookPluginOptions } from "./options.js";

/**
 * The plugin module the manifest loads with `source = "@assay/growthbook"`. Options: `api_host` +
 * `client_key` (+ `polling_interval`, `timeout`, `decryption_key`) or `payload_file`, and `experiments`
 * (Assay id = GrowthBook key). Its experiments come from the entry's `[[plugins.experiments]]`.
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["experiments"],
  validateOptions,
  createExperimentPlugin(setup) {
    return new GrowthBookBackend({
      ...fromManifestOptions(setup.options, setup.manifestDir),
      name: setup.name,
      experiments: setup.experiments,
      store: setup.store,
    });
  },
});
export { type AttributedRecord, DEFAULT_CONTEXT_MEMORY } from "@assay/adapter-core";
