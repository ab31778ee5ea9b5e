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
    // the manifest always gives a table; a direct caller's null is a problem to report, not a TypeError
    if (typeof options !== "object" || options === null) {
      return [{ key: "", message: `options must be a table, got ${String(options)}` }];
    }
    return Object.keys(options).map((key) => ({
      key,
      message: `flags-local takes no options; remove \`${key}\` (flags are declared in [[plugins.flags]])`,
    }));
  },
  createFlagPlugin(setup) {
    return new LocalFlagBackend({ name: setup.name, flags: setup.flags });
  },
});
