import type { StoredEvent } from "@assay/core";
import { BatchingEventStore } from "@assay/pipeline";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";
import { TcpProxy } from "./tcp-proxy.js";

const schema = uniqueSchema("outage");
afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const event = (i: number): StoredEvent =>
  i % 4 === 0
    ? {
        type: "exposure",
        eventId: `o-${i}`,
        experiment: "outage",
        variantId: i % 8 === 0 ? "control" : "treatment",
        userId: `u${i >> 2}`,
        timestamp: new Date(1_767_225_600_000 + i),
      }
    : {
        type: "outcome",
        eventId: `o-${i}`,
        experiment: "outage",
        metric: "items",
        value: { kind: "count", value: 1 },
        userId: `u${i >> 2}`,
        timestamp: new Date(1_767_225_600_000 + i),
      };

describe("PostgreSQL going away during a stream", () => {
  it("loses nothing accepted and counts nothing twice", async () => {
    const proxy = await TcpProxy.start(POSTGRES_URL);
    const inner = new PostgresEventStore({
      connectionString: proxy.url(POSTGRES_URL),
      schema,
      connectTimeoutMs: 500,
    });
    let retries = 0;
    const store = new BatchingEventStore(inner, {
      maxBatch: 500,
      retry: { initialDelayMs: 10, maxDelayMs: 200, deadlineMs: 30_000 },
      onRetry: () => {
        retries++;
      },
    });
    await store.init();
    const total = 20_000;
    const pending: Array<Promise<unknown>> = [];
    let resolved = 0;
    for (let i = 0; i < total; i++) {
      // every tenth record is sent twice, as a client retry would
      const batch = i % 10 === 0 ? [event(i), event(i)] : [event(i)];
      pending.push(store.append(batch).then(() => resolved++));
      if (i === 6_000) {
        await pending[5_000];
        proxy.down(); // the server "restarts": connections reset, new ones refused
        setTimeout(() => proxy.restore(), 1_500);
      }
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(pending);
    expect(resolved).toBe(total);
    expect(retries).toBeGreaterThan(0);
    expect(await inner.count("outage")).toBe(total);
    const summary = await store.summarize({ experiment: "outage" });
    expect(summary.variants.map((v) => [v.variantId, v.exposedUnits, v.exposures])).toEqual([
      ["control", total / 8, total / 8],
      ["treatment", total / 8, total / 8],
    ]);
    expect(summary.metrics[0]?.variants.reduce((n, v) => n + v.sum, 0)).toBe((total * 3) / 4);
    await store.close();
    await proxy.close();
  });

  it("rejects with a BackendError when the server stays away past the deadline", async () => {
    const proxy = await TcpProxy.start(POSTGRES_URL);
    const inner = new PostgresEventStore({
      connectionString: proxy.url(POSTGRES_URL),
      schema,
      connectTimeoutMs: 200,
    });
    const store = new BatchingEventStore(inner, {
      retry: { initialDelayMs: 10, maxDelayMs: 50, deadlineMs: 400 },
    });
    await store.init();
    proxy.down();
    const error = await store.append([event(1_000_001)]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "BackendError",
      code: "BACKEND",
      message: expect.stringContaining("within 400 ms"),
    });
    proxy.restore();
    await store.close();
    await proxy.close();
  });
});
