import { definePlugin } from "@assay/core";
import { HashExperimentBackend } from "./hash-backend.js";

export { type HashBackendOptions, HashExperimentBackend } from "./hash-backend.js";
export type { VendorBucketer } from "./vendor-modes.js";

/**
 * The plugin module the manifest loads with `source = "@assay/experiment-hash"`. It takes no options; its
 * experiments come from the entry's `[[plugins.experiments]]`.
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["experiments"],
  validateOptions(options) {
    // the manifest always gives a table; a direct caller's null is a problem to report, not a TypeError
    if (typeof options !== "object" || options === null) {
      return [{ key: "", message: `options must be a table, got ${String(options)}` }];
    }
    return Object.keys(options).map((key) => ({
      key,
      message: `experiment-hash takes no options; remove \`${key}\` (experiments are declared in [[plugins.experiments]])`,
    }));
  },
  createExperimentPlugin(setup) {
    return new HashExperimentBackend({
      name: setup.name,
      experiments: setup.experiments,
      store: setup.store,
      baseDir: setup.manifestDir,
    });
  },
});
