import { definePlugin } from "@assay/core";
import { fromManifestOptions, validateOptions } from "./options.js";
import { PostHogBackend } from "./posthog-plugin.js";

export type { PostHogFetch, PostHogPluginOptions } from "./options.js";
export { PostHogBackend, type PostHogBackendOptions } from "./posthog-plugin.js";

/**
 * The plugin module the manifest loads with `source = "@assay/posthog"`. Options: `project_api_key`, and
 * `personal_api_key` (+ `host`, `polling_interval`, `timeout`) or `definitions_file`; `experiments` maps Assay
 * ids to flag keys; `flush_at`, `flush_interval`.
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["experiments"],
  validateOptions,
  createExperimentPlugin(setup) {
    return new PostHogBackend({
      ...fromManifestOptions(setup.options, setup.manifestDir),
      name: setup.name,
      experiments: setup.experiments,
      store: setup.store,
    });
  },
});
export { type AttributedRecord, DEFAULT_CONTEXT_MEMORY } from "@assay/adapter-core";
