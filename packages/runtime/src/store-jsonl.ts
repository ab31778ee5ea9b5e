import { resolve } from "node:path";
import { definePlugin, JsonLinesEventStore, unknownOptionIssue } from "@assay/core";

/**
 * The JSON Lines store as a plugin module, for a manifest that wants a plain text file instead of the
 * default SQLite database: `source = "@assay/runtime/store-jsonl"`, `options = { path = "events.jsonl" }`
 * (relative to the manifest; default `.assay/events.jsonl`). It keeps every event in memory for summaries:
 * for development and small apps.
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["events"],
  validateOptions(options) {
    return Object.entries(options).flatMap(([key, value]) =>
      key !== "path"
        ? [unknownOptionIssue(key, ["path"], "the JSON Lines store")]
        : typeof value !== "string" || value.length === 0
          ? [{ key, message: "must be a non-empty file path (relative to the manifest)" }]
          : [],
    );
  },
  createEventStore(setup) {
    const path = typeof setup.options.path === "string" ? setup.options.path : ".assay/events.jsonl";
    return new JsonLinesEventStore(resolve(setup.manifestDir, path));
  },
});
