import { describe } from "@assay/core";

/**
 * PostgreSQL's reserved key words (`pg_get_keywords()` categories R and T, server 15): none of them can be
 * a schema name used unquoted as `<schema>.<table>`, which is how every statement of the store names its
 * tables. test/schema-name.test.ts compares this list with the server's.
 */
export const RESERVED_SCHEMA_NAMES: ReadonlySet<string> = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate " +
    "collation column concurrently constraint create cross current_catalog current_date current_role " +
    "current_schema current_time current_timestamp current_user default deferrable desc distinct do else end " +
    "except false fetch for foreign freeze from full grant group having ilike in initially inner intersect " +
    "into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null " +
    "offset on only or order outer overlaps placing primary references returning right select session_user " +
    "similar some symmetric system_user table tablesample then to trailing true union unique user using " +
    "variadic verbose when where window with"
  ).split(" "),
);

/**
 * Why `schema` cannot name the store's schema, or undefined when it can: lower-case letters, digits and _
 * (at most 63, PostgreSQL's identifier length), not starting with a digit, not a reserved word, not `pg_…`
 * (reserved for system schemas).
 */
export function schemaNameProblem(schema: unknown): string | undefined {
  if (typeof schema !== "string" || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    return `must be lower-case letters, digits and _ (at most 63), got ${describe(schema)}`;
  if (RESERVED_SCHEMA_NAMES.has(schema))
    return `must not be a PostgreSQL reserved word, got ${describe(schema)} (choose e.g. "assay_${schema}")`;
  if (schema.startsWith("pg_"))
    return `must not start with pg_ (reserved for system schemas), got ${describe(schema)}`;
  return undefined;
}
