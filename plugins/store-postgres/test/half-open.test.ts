import { BackendError, type StoredEvent } from "@assay/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";
import { TcpProxy } from "./tcp-proxy.js";

const schema = uniqueSchema("halfopen");
afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const exposure = (i: number): StoredEvent => ({
  type: "exposure",
  eventId: `h-${i}`,
  experiment: "halfopen",
  variantId: "control",
  userId: `u${i}`,
  timestamp: new Date(),
});

describe("a half-open connection (the server gone without a FIN or RST)", () => {
  it("fails the commit it carried within statementTimeoutMs + 2 s, then the store works again on a new connection", async () => {
    const proxy = await TcpProxy.start(POSTGRES_URL);
    const store = new PostgresEventStore({
      connectionString: proxy.url(POSTGRES_URL),
      schema,
      statementTimeoutMs: 500,
      connectTimeoutMs: 1000,
    });
    await store.init();
    await store.append([exposure(0)]);
    proxy.silence();
    const started = Date.now();
    const hung = await store.append([exposure(1)]).catch((error: unknown) => error);
    const waited = Date.now() - started;
    expect(hung).toBeInstanceOf(BackendError);
    expect((hung as Error).message).toMatch(/timeout/i);
    // the server's statement_timeout cannot answer through a silent link: the client's read timeout does
    expect(waited).toBeGreaterThanOrEqual(2400);
    expect(waited).toBeLessThan(4000);
    proxy.restore();
    expect(await store.append([exposure(1), exposure(2)])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await store.count("halfopen")).toBe(3);
    await store.close();
    await proxy.close();
  });
});
