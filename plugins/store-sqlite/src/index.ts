import { join, resolve } from "node:path";
import { definePlugin, describe, type OptionIssue, unknownOptionIssue } from "@assay/core";
import { SqliteEventStore } from "./sqlite-store.js";

export { SQLITE_SCHEMA_VERSION, SqliteEventStore, type SqliteEventStoreOptions } from "./sqlite-store.js";

/** Where the store lives when the manifest gives no `path`: `.assay/events.db` beside the manifest. */
export const DEFAULT_SQLITE_PATH = join(".assay", "events.db");

/**
 * The plugin module a manifest loads with `source = "@assay/store-sqlite"`. Options: `path` (relative to
 * the manifest; default `.assay/events.db`), `synchronous` ("full" | "normal"), `busy_timeout_ms`, `thread`
 * ("worker" | "caller": where SQLite works, see SqliteEventStoreOptions.thread).
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["events"],
  validateOptions(options) {
    const issues: OptionIssue[] = [];
    for (const [key, value] of Object.entries(options)) {
      if (key === "path") {
        if (typeof value !== "string" || value.length === 0)
          issues.push({
            key,
            message: `must be a non-empty file path (relative to the manifest), got ${describe(value)}`,
          });
      } else if (key === "synchronous") {
        if (value !== "full" && value !== "normal")
          issues.push({ key, message: `must be "full" or "normal", got ${describe(value)}` });
      } else if (key === "thread") {
        if (value !== "worker" && value !== "caller")
          issues.push({
            key,
            message: `must be "worker" (a writer thread, the default) or "caller", got ${describe(value)}`,
          });
      } else if (key === "busy_timeout_ms") {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
          issues.push({
            key,
            message: `must be a non-negative integer (milliseconds), got ${describe(value)}`,
          });
      } else {
        issues.push(
          unknownOptionIssue(key, ["path", "synchronous", "busy_timeout_ms", "thread"], "store-sqlite"),
        );
      }
    }
    return issues;
  },
  createEventStore(setup) {
    const o = setup.options;
    return new SqliteEventStore({
      path: resolve(setup.manifestDir, typeof o.path === "string" ? o.path : DEFAULT_SQLITE_PATH),
      ...(o.synchronous === "normal" || o.synchronous === "full" ? { synchronous: o.synchronous } : {}),
      ...(typeof o.busy_timeout_ms === "number" ? { busyTimeoutMs: o.busy_timeout_ms } : {}),
      ...(o.thread === "worker" || o.thread === "caller" ? { thread: o.thread } : {}),
    });
  },
});
