import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestServer, ingestServer, post } from "../support/ingest-server.js";

let server: IngestServer;
const KEYS = [
  { name: "ingester", key: "k-ingest", roles: ["ingest"] as const },
  { name: "reader", key: "k-read", roles: ["read"] as const },
  { name: "browser", key: "k-eval", roles: ["evaluate"] as const },
];
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const N = 2_345;
const start = Date.now() - 3_600_000;

beforeAll(async () => {
  server = await ingestServer({ keys: KEYS });
  for (let i = 0; i < N; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      batch.push({
        experiment: "checkout",
        variantId: j % 3 === 0 ? "treatment" : "control",
        userId: j === 7 ? 'comma, "quote"' : `u${j}`,
        eventId: `e${j}`,
        timestamp: start + j * 1000,
      });
    }
    const res = await post(`${server.url}/v1/exposures`, batch, as("k-ingest"));
    expect(res.status).toBe(202);
  }
  const outcome = {
    experiment: "checkout",
    metric: "revenue",
    value: 9.5,
    userId: "u0",
    eventId: "o1",
    timestamp: start + N * 1000,
  };
  expect((await post(`${server.url}/v1/outcomes`, outcome, as("k-ingest"))).status).toBe(202);
  await post(
    `${server.url}/v1/exposures`,
    { experiment: "search", variantId: "fuzzy", userId: "s1" },
    as("k-ingest"),
  );
});
afterAll(async () => {
  await server?.close();
});

describe("roles", () => {
  const routes: Array<[string, string, "ingest" | "read"]> = [
    ["POST", "/v1/exposures", "ingest"],
    ["POST", "/v1/outcomes", "ingest"],
    ["POST", "/v1/track", "ingest"],
    ["GET", "/v1/metrics/impressions", "read"],
    ["GET", "/v1/export?experiment=checkout", "read"],
    ["GET", "/metrics", "read"],
  ];
  it("every route answers 401 without a key, 403 with a key of another role", async () => {
    for (const [method, path, role] of routes) {
      const body = method === "POST" ? JSON.stringify({}) : undefined;
      const headers = method === "POST" ? { "content-type": "application/json" } : {};
      const none = await fetch(`${server.url}${path}`, { method, headers, ...(body ? { body } : {}) });
      expect(none.status, `${path} without a key`).toBe(401);
      const wrong = role === "ingest" ? "k-read" : "k-ingest";
      for (const key of [wrong, "k-eval"]) {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: { ...headers, ...as(key) },
          ...(body ? { body } : {}),
        });
        expect(res.status, `${path} with ${key}`).toBe(403);
      }
    }
  });
  it("/readyz and /healthz are open", async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("GET /v1/metrics/impressions", () => {
  it("counts exposures and units per experiment and variant", async () => {
    const res = await fetch(`${server.url}/v1/metrics/impressions`, { headers: as("k-read") });
    expect(res.status).toBe(200);
    const { experiments } = (await res.json()) as {
      experiments: Array<{ experiment: string; exposures: number; variants: unknown[] }>;
    };
    const checkout = experiments.find((e) => e.experiment === "checkout")!;
    expect(checkout.exposures).toBe(N);
    expect(checkout.variants).toEqual(
      expect.arrayContaining([
        { variantId: "treatment", exposures: 782, exposedUnits: 782 },
        { variantId: "control", exposures: 1563, exposedUnits: 1563 },
      ]),
    );
    expect(experiments.find((e) => e.experiment === "search")?.exposures).toBe(1);
    const unknown = await fetch(`${server.url}/v1/metrics/impressions?experiment=nope`, {
      headers: as("k-read"),
    });
    expect(unknown.status).toBe(404);
  });
});

describe("GET /v1/export", () => {
  it("pages through every event once by the cursor (NDJSON), then the cursor picks up new events", async () => {
    const ids: string[] = [];
    let url = `${server.url}/v1/export?experiment=checkout&limit=1000`;
    let pages = 0;
    let next: string | null = null;
    for (;;) {
      const res = await fetch(url, { headers: as("k-read") });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/x-ndjson");
      const lines = (await res.text()).split("\n").filter((l) => l !== "");
      for (const line of lines) ids.push((JSON.parse(line) as { eventId: string }).eventId);
      pages++;
      next = res.headers.get("x-next-cursor");
      expect(res.headers.get("link")).toContain('rel="next"');
      if (res.headers.get("x-export-complete") === "true") break;
      url = `${server.url}/v1/export?experiment=checkout&limit=1000&cursor=${next}`;
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(N + 1);
    expect(new Set(ids).size).toBe(N + 1);
    await post(
      `${server.url}/v1/exposures`,
      { experiment: "checkout", variantId: "control", userId: "late", eventId: "late" },
      as("k-ingest"),
    );
    const later = await fetch(`${server.url}/v1/export?experiment=checkout&cursor=${next}`, {
      headers: as("k-read"),
    });
    const lines = (await later.text()).split("\n").filter((l) => l !== "");
    expect(lines.map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toEqual(["late"]);
  });

  it("writes CSV with a header and quoted cells, and filters by since", async () => {
    const since = new Date(start + 2_000 * 1000).toISOString();
    const res = await fetch(`${server.url}/v1/export?experiment=checkout&format=csv&since=${since}`, {
      headers: as("k-read"),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const rows = (await res.text()).trimEnd().split("\n");
    expect(rows[0]).toBe(
      "event_id,type,experiment,variant_id,metric,kind,value,user_id,session_id,timestamp,environment,phase,manifest_version,dimensions",
    );
    // exposures 2000..2344, the outcome, and the late exposure of the test above
    expect(rows.length - 1).toBe(N - 2000 + 2);
    expect(rows).toContain(
      `o1,outcome,checkout,,revenue,numeric,9.5,u0,,${new Date(start + N * 1000).toISOString()},default,1,,`,
    );
    const all = await (
      await fetch(`${server.url}/v1/export?experiment=checkout&format=csv&limit=50000`, {
        headers: as("k-read"),
      })
    ).text();
    expect(all).toContain(`e7,exposure,checkout,control,,,,"comma, ""quote""",,`);
  });

  it("refuses a bad cursor, a cursor of another experiment, a bad since and a bad limit with 400", async () => {
    const first = await fetch(`${server.url}/v1/export?experiment=search`, { headers: as("k-read") });
    const cursor = first.headers.get("x-next-cursor")!;
    const cases = [
      `experiment=checkout&cursor=${cursor}`,
      "experiment=checkout&cursor=garbage",
      "experiment=checkout&since=last-week",
      "experiment=checkout&limit=0",
      "experiment=checkout&limit=50001",
      "experiment=checkout&format=xml",
      "format=csv",
      "experiment=a%00b",
    ];
    for (const query of cases) {
      const res = await fetch(`${server.url}/v1/export?${query}`, { headers: as("k-read") });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { message: string };
      expect(body.message.length, query).toBeGreaterThan(5);
    }
  });

  it("refuses an unknown query parameter by name, on export and on impressions", async () => {
    const typo = await fetch(`${server.url}/v1/export?experiment=checkout&sinse=2026-01-01`, {
      headers: as("k-read"),
    });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { message: string }).message).toMatch(/unknown query parameter "sinse"/);
    const impressions = await fetch(`${server.url}/v1/metrics/impressions?experment=checkout`, {
      headers: as("k-read"),
    });
    expect(impressions.status).toBe(400);
    expect(((await impressions.json()) as { message: string }).message).toMatch(
      /"experment".*takes experiment/,
    );
  });
});

describe("GET /metrics", () => {
  it("is Prometheus text: requests by route and status, latency histogram, queue depth, store errors", async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: as("k-read") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toMatch(
      /^assay_http_requests_total\{method="POST",route="\/v1\/exposures",status="202"\} \d+$/m,
    );
    expect(text).toMatch(
      /^assay_http_requests_total\{method="POST",route="\/v1\/exposures",status="401"\} \d+$/m,
    );
    expect(text).toMatch(
      /^assay_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/exposures",le="\+Inf"\} \d+$/m,
    );
    expect(text).toMatch(/^assay_pipeline_queue_depth 0$/m);
    expect(text).toMatch(/^assay_store_errors_total 0$/m);
    expect(text).toMatch(new RegExp(`^assay_ingested_events_total\\{route="/v1/exposures"\\} ${N + 2}`, "m"));
  });
});
