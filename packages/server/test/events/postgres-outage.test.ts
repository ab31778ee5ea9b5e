import { PostgresEventStore } from "@assay/store-postgres";
import { PostgresCluster } from "@assay/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type IngestServer, ingestServer, post } from "../support/ingest-server.js";

// A PostgreSQL cluster of this test's own (never the shared server), stopped while the HTTP API ingests.
let cluster: PostgresCluster | undefined;
let server: IngestServer | undefined;
afterAll(async () => {
  await server?.close().catch(() => undefined);
  await cluster?.destroy();
});

const batch = (label: string) =>
  Array.from({ length: 50 }, (_, i) => ({
    experiment: "checkout",
    variantId: i % 2 ? "control" : "treatment",
    userId: `${label}-${i}`,
    eventId: `${label}-${i}`,
  }));

describe("PostgreSQL down under the HTTP API", () => {
  it("answers 503 with Retry-After while the database is stopped, then takes the retried batch once", async () => {
    cluster = await PostgresCluster.start();
    const store = new PostgresEventStore({ connectionString: cluster.url(), schema: "assay" });
    server = await ingestServer({
      store,
      pipeline: { retry: { deadlineMs: 1_500, initialDelayMs: 20, maxDelayMs: 200 } },
      api: { readyTimeoutMs: 1_000 },
    });
    expect((await post(`${server.url}/v1/exposures`, batch("before"))).status).toBe(202);

    await cluster.stop();
    const t0 = Date.now();
    const down = await post(`${server.url}/v1/exposures`, batch("during"));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(down.body.error).toBe("store-unavailable");
    expect(Date.now() - t0).toBeLessThan(10_000);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);

    await cluster.startServer();
    // the client retries the refused batch with the same eventIds, twice for good measure
    expect((await post(`${server.url}/v1/exposures`, batch("during"))).status).toBe(202);
    expect((await post(`${server.url}/v1/exposures`, batch("during"))).body).toMatchObject({ inserted: 0 });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${server.url}/v1/metrics/impressions?experiment=checkout`);
    const { experiments } = (await res.json()) as { experiments: Array<{ exposures: number }> };
    expect(experiments[0]!.exposures).toBe(100);
  });
});
