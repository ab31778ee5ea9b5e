import pg from "pg";
import { describe, expect, it } from "vitest";
import { numberArray, textArray } from "../src/event-arrays.js";
import { POSTGRES_URL } from "./postgres-url.js";

describe("array literals", () => {
  it("write texts PostgreSQL reads back exactly: quotes, backslashes, commas, braces, NULL, empty, unicode", async () => {
    const cases: Array<Array<string | null>> = [
      [],
      ["a", "b"],
      [null, null],
      ["a", null, "c"],
      ['say "hi"', "back\\slash", '\\"', "a,b", "{x}", "", " padded ", "NULL", "é😀", "line\nbreak"],
      ['"', null],
    ];
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      for (const values of cases) {
        const { rows } = await client.query("SELECT $1::text[] AS a", [textArray(values)]);
        expect(rows[0].a).toEqual(values);
      }
      const numbers = [0, 1, -2.5, 1e21, 1.7976931348623157e308, 5e-324, 0.1 + 0.2, 1_767_225_600_000];
      for (const values of [numbers, [null, 1, null], [null], []] as Array<Array<number | null>>) {
        const { rows } = await client.query("SELECT $1::float8[] AS a", [numberArray(values)]);
        expect(rows[0].a).toEqual(values);
      }
    } finally {
      await client.end();
    }
  });
});
