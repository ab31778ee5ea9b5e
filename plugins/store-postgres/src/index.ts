import { definePlugin, describe, type OptionIssue, unknownOptionIssue } from "@assay/core";
import { PostgresEventStore } from "./postgres-store.js";
import { schemaNameProblem } from "./schema-name.js";

export { PostgresEventStore, type PostgresEventStoreOptions } from "./postgres-store.js";
export { checkSchemaName, MIGRATIONS, migrate, POSTGRES_SCHEMA_VERSION } from "./schema.js";
export { RESERVED_SCHEMA_NAMES, schemaNameProblem } from "./schema-name.js";

/** Manifest keys of the timeouts (milliseconds), and the store options they set. */
const TIMEOUT_OPTIONS = {
  connect_timeout_ms: "connectTimeoutMs",
  statement_timeout_ms: "statementTimeoutMs",
  lock_timeout_ms: "lockTimeoutMs",
  maintenance_timeout_ms: "maintenanceTimeoutMs",
} as const;

/**
 * The plugin module a manifest loads with `source = "@assay/store-postgres"`. Options: `url` (default the
 * `ASSAY_POSTGRES_URL`, then `DATABASE_URL` environment variable), `schema` (default "assay"),
 * `max_connections` (default 4), and the timeouts in milliseconds `connect_timeout_ms` (5000),
 * `statement_timeout_ms` (10,000), `lock_timeout_ms` (5000), `maintenance_timeout_ms` (120,000; see
 * PostgresEventStoreOptions).
 */
export default definePlugin({
  kind: "assay-plugin",
  provides: ["events"],
  validateOptions(options) {
    const issues: OptionIssue[] = [];
    for (const [key, value] of Object.entries(options)) {
      if (key === "url") {
        if (typeof value !== "string" || !/^postgres(ql)?:\/\//.test(value))
          issues.push({ key, message: `must be a postgres:// connection URL, got ${describeUrl(value)}` });
      } else if (key === "schema") {
        const problem = schemaNameProblem(value);
        if (problem !== undefined) issues.push({ key, message: problem });
      } else if (key === "max_connections" || Object.hasOwn(TIMEOUT_OPTIONS, key)) {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
          issues.push({ key, message: `must be a positive integer, got ${describe(value)}` });
      } else {
        issues.push(
          unknownOptionIssue(
            key,
            ["url", "schema", "max_connections", ...Object.keys(TIMEOUT_OPTIONS)],
            "store-postgres",
          ),
        );
      }
    }
    if (options.url === undefined && !process.env.ASSAY_POSTGRES_URL && !process.env.DATABASE_URL) {
      issues.push({ key: "url", message: "is required (or set ASSAY_POSTGRES_URL or DATABASE_URL)" });
    }
    return issues;
  },
  createEventStore(setup) {
    const o = setup.options;
    return new PostgresEventStore({
      connectionString:
        typeof o.url === "string"
          ? o.url
          : (process.env.ASSAY_POSTGRES_URL ?? process.env.DATABASE_URL ?? ""),
      ...(typeof o.schema === "string" ? { schema: o.schema } : {}),
      ...(typeof o.max_connections === "number" ? { maxConnections: o.max_connections } : {}),
      ...Object.fromEntries(
        Object.entries(TIMEOUT_OPTIONS).flatMap(([key, field]) =>
          typeof o[key] === "number" ? [[field, o[key]]] : [],
        ),
      ),
    });
  },
});

/** A bad `url` without what may follow the scheme: a connection URL can carry a password. */
function describeUrl(value: unknown): string {
  if (typeof value !== "string") return describe(value);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(value)?.[0];
  return scheme === undefined ? "a string that is not a URL" : `a ${JSON.stringify(scheme)} URL`;
}
