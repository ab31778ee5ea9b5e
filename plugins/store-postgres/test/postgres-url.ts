import { randomBytes } from "node:crypto";

/**
 * The server the tests use: ASSAY_TEST_POSTGRES_URL, else the project's machines' local server. The tests
 * fail (they never skip) when it cannot be reached.
 */
export const POSTGRES_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A schema name of its own for one test run, so parallel runs never meet. */
export function uniqueSchema(label: string): string {
  return `assay_${label}_${process.pid}_${randomBytes(4).toString("hex")}`;
}
