import { BackendError, type EventStore, MemoryEventStore, type StoredEvent } from "@assay/core";
import { afterEach, describe, expect, it } from "vitest";
import { type IngestServer, ingestServer, post } from "../support/ingest-server.js";

const open: IngestServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
});

/** A store whose appends fail (a database down) or never return (a lock held), switchable. */
class FaultyStore implements EventStore {
  readonly name = "faulty";
  mode: "fail" | "hang" | "ok" = "ok";
  /** Appends never return while reads still answer (commits stuck behind a lock). */
  hangAppends = false;
  private readonly inner = new MemoryEventStore();
  append(batch: readonly StoredEvent[]) {
    if (this.mode === "fail") return Promise.reject(new Error("connection refused"));
    if (this.mode === "hang" || this.hangAppends) return new Promise<never>(() => {});
    return this.inner.append(batch);
  }
  summarize(query: Parameters<EventStore["summarize"]>[0]) {
    if (this.mode !== "ok") return Promise.reject(new BackendError("connection refused"));
    return this.inner.summarize(query);
  }
}

const record = (i: number) => ({
  experiment: "checkout",
  variantId: "control",
  userId: `f${i}`,
  eventId: `f${i}`,
});

async function start(store: FaultyStore, pipeline: object, api: object = {}) {
  const server = await ingestServer({ store, pipeline, api: { readyTimeoutMs: 300, ...api } });
  open.push(server);
  return server;
}

describe("a store outage", () => {
  it("a failing store answers 503 with Retry-After at the pipeline's deadline, then recovers", async () => {
    const store = new FaultyStore();
    const server = await start(store, { retry: { deadlineMs: 400, initialDelayMs: 20, maxDelayMs: 50 } });
    store.mode = "fail";
    const t0 = Date.now();
    const res = await post(`${server.url}/v1/exposures`, [record(1), record(2)]);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.body.error).toBe("store-unavailable");
    expect(Date.now() - t0).toBeLessThan(5_000);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("5");
    store.mode = "ok";
    const again = await post(`${server.url}/v1/exposures`, [record(1), record(2)]);
    expect(again.status).toBe(202);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^assay_store_errors_total 1$/m);
  });

  it("a hung store answers 503 after ingestTimeoutMs, not a hang", async () => {
    const store = new FaultyStore();
    // the pipeline gives up later than the request (so the close after the test waits 1 s, not 30)
    const server = await start(store, { retry: { deadlineMs: 1_000 } }, { ingestTimeoutMs: 300 });
    store.mode = "hang";
    const t0 = Date.now();
    const res = await post(`${server.url}/v1/exposures`, record(3));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(String(res.body.message)).toMatch(/within 300 ms/);
    expect(Date.now() - t0).toBeLessThan(3_000);
    store.mode = "ok";
  });

  it("/readyz asks the store itself, not through the pipeline's queue: a backlog of commits is not unready", async () => {
    const store = new FaultyStore();
    const server = await start(store, { retry: { deadlineMs: 1_000 } }, { ingestTimeoutMs: 2_000 });
    store.hangAppends = true;
    const pending = post(`${server.url}/v1/exposures`, record(300));
    await new Promise((r) => setTimeout(r, 50));
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^assay_pipeline_queue_depth 1$/m);
    store.hangAppends = false;
    expect((await pending).status).toBe(503);
  });

  it("a full pipeline queue answers 503 queue-full with Retry-After: 1", async () => {
    const store = new FaultyStore();
    const server = await start(
      store,
      { maxQueue: 10, retry: { deadlineMs: 2_000 } },
      { ingestTimeoutMs: 3_000 },
    );
    store.mode = "hang";
    const first = post(
      `${server.url}/v1/exposures`,
      Array.from({ length: 10 }, (_, i) => record(100 + i)),
    );
    await new Promise((r) => setTimeout(r, 50));
    const second = await post(`${server.url}/v1/exposures`, record(200));
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(second.body.error).toBe("queue-full");
    expect((await first).status).toBe(503);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^assay_pipeline_refused_total 1$/m);
    store.mode = "ok";
  });
});
