import { BackendError, type StoredEvent } from "@assay/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import plugin, { type PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";

const schema = uniqueSchema("options");
afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const exposure = (id: string): StoredEvent => ({
  type: "exposure",
  eventId: id,
  experiment: "options",
  variantId: "control",
  userId: id,
  timestamp: new Date(),
});

describe("the timeouts in the manifest", () => {
  it("are validated as positive integers, naming the key", () => {
    const issues = plugin.validateOptions!({
      url: POSTGRES_URL,
      statement_timeout_ms: 0,
      lock_timeout_ms: "1s",
      connect_timeout_ms: 1000,
      maintenance_timeout_ms: 60_000,
      constructor: 1,
    });
    expect(issues.map((i) => [i.key, i.message])).toEqual([
      ["statement_timeout_ms", "must be a positive integer, got number 0"],
      ["lock_timeout_ms", 'must be a positive integer, got string "1s"'],
      ["constructor", expect.stringContaining("unknown option")],
    ]);
  });

  it("reach the connections: a commit blocked by a table lock fails at lock_timeout_ms", async () => {
    const store = (await plugin.createEventStore!({
      name: "events",
      options: { url: POSTGRES_URL, schema, lock_timeout_ms: 300 },
      manifestDir: ".",
    })) as PostgresEventStore;
    await store.init();
    const locker = new pg.Client({ connectionString: POSTGRES_URL });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE ${schema}.events IN ACCESS EXCLUSIVE MODE`);
    const started = Date.now();
    const error = await store.append([exposure("a")]).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await locker.query("ROLLBACK");
    await locker.end();
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/lock timeout/);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2000);
    // the lock gone, the same store commits
    expect(await store.append([exposure("a")])).toEqual({ inserted: 1, duplicates: 0 });
    await store.close();
  });
});
