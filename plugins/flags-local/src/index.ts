import { definePlugin } from "@assay/core";
import { LocalFlagBackend } from "./local-flags.js";

export { LocalFlagBackend, type LocalFlagsOptions, OFF, ON } from "./local-flags.js";

/**
 * The plugin module the manifest loads with `source = "@assay/flags-local"`. It takes no options; its flags
 * come from the entry's `[[plugins.flags]]`.
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["flags"],
  validateOptions(options) {
    return Object.keys(options).map((key) => ({
      key,
      message: `flags-local takes no options; remove \`${key}\` (flags are declared in [[plugins.flags]])`,
    }));
  },
  createFlagPlugin(setup) {
    return new LocalFlagBackend({ name: setup.name, flags: setup.flags });
  },
});
