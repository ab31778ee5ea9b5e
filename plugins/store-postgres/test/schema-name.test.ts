import pg from "pg";
import { describe, expect, it } from "vitest";
import plugin, { PostgresEventStore, RESERVED_SCHEMA_NAMES } from "../src/index.js";
import { POSTGRES_URL } from "./postgres-url.js";

const issuesFor = (schema: unknown) =>
  plugin.validateOptions!({ url: "postgres://app@db:5432/app", schema }).filter((i) => i.key === "schema");

describe("schema names", () => {
  it("refuses a reserved word at validation, with the key and the value, not only at startup", () => {
    for (const word of ["user", "select", "order", "table", "left"]) {
      const issues = issuesFor(word);
      expect(issues).toHaveLength(1);
      expect(issues[0]!.message).toBe(
        `must not be a PostgreSQL reserved word, got string "${word}" (choose e.g. "assay_${word}")`,
      );
      expect(() => new PostgresEventStore({ connectionString: POSTGRES_URL, schema: word })).toThrow(
        RangeError,
      );
    }
    expect(issuesFor("pg_assay")[0]?.message).toMatch(/must not start with pg_/);
    // key words PostgreSQL lets an identifier be stay allowed
    for (const word of ["assay", "events", "between", "analytics_user", "users"])
      expect(issuesFor(word)).toEqual([]);
  });

  it("knows every key word the server reserves (categories R and T of pg_get_keywords)", async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ word: string }>(
        "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')",
      );
      expect(rows.length).toBeGreaterThan(70);
      expect(rows.map((r) => r.word).filter((w) => !RESERVED_SCHEMA_NAMES.has(w))).toEqual([]);
      // and each of them really cannot be a schema name used unquoted (checked in a transaction rolled back)
      await client.query("BEGIN");
      let refused = 0;
      for (const { word } of rows) {
        await client.query("SAVEPOINT s");
        try {
          await client.query(`CREATE SCHEMA ${word}`);
          await client.query(`CREATE TABLE ${word}.t (x int)`);
        } catch {
          refused++;
        }
        await client.query("ROLLBACK TO SAVEPOINT s");
      }
      await client.query("ROLLBACK");
      expect(refused).toBe(rows.length);
    } finally {
      await client.end();
    }
  });
});
