import { testSummaryNumerics } from "@assay/testing";
import pg from "pg";
import { afterAll } from "vitest";
import { PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";

const schemas = [uniqueSchema("numerics"), uniqueSchema("numerics_folding")];

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

/** Folds after every append, so the running totals are built step by step (contributions out and back in). */
class FoldingStore extends PostgresEventStore {
  override async append(batch: Parameters<PostgresEventStore["append"]>[0]) {
    const result = await super.append(batch);
    await this.foldAll();
    return result;
  }
}

testSummaryNumerics("postgres", {
  create: () => new PostgresEventStore({ connectionString: POSTGRES_URL, schema: schemas[0]! }),
});
testSummaryNumerics("postgres, rollups folded after every append", {
  create: () => new FoldingStore({ connectionString: POSTGRES_URL, schema: schemas[1]!, foldStep: 0 }),
});
