import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestServer, ingestServer, post } from "../support/ingest-server.js";

let server: IngestServer;

beforeAll(async () => {
  server = await ingestServer();
});
afterAll(async () => {
  await server?.close();
});

const at = new Date(Date.now() - 60_000).toISOString();

async function impressions(experiment: string) {
  const res = await fetch(`${server.url}/v1/metrics/impressions?experiment=${experiment}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    experiments: Array<{ experiment: string; exposures: number; variants: Array<Record<string, unknown>> }>;
  };
  return body.experiments[0]!;
}

describe("POST /v1/exposures", () => {
  it("stores one record and answers 202 with what was new", async () => {
    const res = await post(`${server.url}/v1/exposures`, {
      experiment: "checkout",
      variantId: "treatment",
      userId: "u-single",
      timestamp: at,
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, inserted: 1, duplicates: 0 });
    const counts = await impressions("checkout");
    expect(counts.variants).toContainEqual({ variantId: "treatment", exposures: 1, exposedUnits: 1 });
  });

  it("counts a retried batch once (eventIds), and says the retry was all repeats", async () => {
    const batch = ["a", "b", "c"].map((u, i) => ({
      experiment: "search",
      variantId: i === 0 ? "control" : "fuzzy",
      userId: `retry-${u}`,
      eventId: `retry-${u}`,
      timestamp: Date.now() - 1000,
    }));
    const first = await post(`${server.url}/v1/exposures`, batch);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 3, inserted: 3, duplicates: 0 });
    const again = await post(`${server.url}/v1/exposures`, batch);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ accepted: 3, inserted: 0, duplicates: 3 });
    const counts = await impressions("search");
    expect(counts.exposures).toBe(3);
  });
});

describe("POST /v1/outcomes and /v1/track", () => {
  it("takes the three value forms of an outcome", async () => {
    const res = await post(`${server.url}/v1/outcomes`, [
      { experiment: "checkout", metric: "bought", value: true, userId: "u-single" },
      { experiment: "checkout", metric: "revenue", value: 12.5, userId: "u-single" },
      { experiment: "checkout", metric: "items", value: { kind: "count", value: 3 }, sessionId: "s-1" },
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 3, inserted: 3 });
    const summary = await server.assay.summarize("checkout");
    const revenue = summary.metrics.find((m) => m.metric === "revenue");
    expect(revenue?.variants.find((v) => v.variantId === "treatment")?.sum).toBe(12.5);
  });

  it("/v1/track takes FeatureSignals' impression (flag_key, variant_key, user_key) as an exposure", async () => {
    const before = (await impressions("checkout")).exposures;
    const res = await post(`${server.url}/v1/track`, {
      flag_key: "checkout",
      variant_key: "control",
      user_key: "user-123",
    });
    expect(res.status).toBe(202);
    expect((await impressions("checkout")).exposures).toBe(before + 1);
    const bad = await post(`${server.url}/v1/track`, {
      flag_key: "checkout",
      variant_key: "nope",
      user_key: "x",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ index: 0, field: "variant_key" })]);
  });
});

describe("a partly bad batch", () => {
  it("is refused whole (nothing written), naming the index and field of every problem", async () => {
    const res = await post(`${server.url}/v1/exposures`, [
      { experiment: "search", variantId: "control", userId: "partial-ok", eventId: "partial-ok" },
      { experiment: "search", variantId: "control", userId: "bad\u0000id" },
      { experiment: "search", variantId: 7, userId: "x", color: "red" },
      { experiment: "search", variantId: "control" },
      { experiment: "nope", variantId: "control", userId: "x" },
      { experiment: "search", variantId: "control", userId: "x", timestamp: "2001-01-01T00:00:00Z" },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid-records");
    expect(res.body.message).toMatch(/5 record\(s\) are invalid; nothing was written/);
    const problems = res.body.problems as Array<{ index: number; field: string; message: string }>;
    expect(problems).toContainEqual(
      expect.objectContaining({ index: 1, field: "userId", message: expect.stringMatching(/NUL/) }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ index: 2, field: "variantId", message: "must be string" }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ index: 2, field: "color", message: 'unknown field "color"' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        index: 3,
        field: "userId",
        message: expect.stringMatching(/userId or a sessionId/),
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        index: 4,
        field: "experiment",
        message: expect.stringMatching(/no experiment "nope"/),
      }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ index: 5, field: "timestamp" }));
    expect(problems.some((p) => p.index === 0)).toBe(false);
    // the good record was not written either
    const page = await fetch(`${server.url}/v1/export?experiment=search`);
    expect(await page.text()).not.toContain("partial-ok");
  });
});

describe("hostile input", () => {
  it("malformed JSON is a 400 naming the problem", async () => {
    const res = await post(`${server.url}/v1/exposures`, '{"experiment": "checkout",');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid-json");
  });

  it("a 10 MB body is a 413, and the server answers the next request", async () => {
    const huge = JSON.stringify([
      { experiment: "checkout", variantId: "control", userId: "x".repeat(10 * 1024 * 1024) },
    ]);
    const res = await post(`${server.url}/v1/exposures`, huge);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("body-too-large");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("deep nesting is a clear 400, not a crash", async () => {
    const deepArray = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const a = await post(`${server.url}/v1/exposures`, deepArray);
    expect(a.status).toBe(400);
    let deepObject = '"x"';
    for (let i = 0; i < 20_000; i++) deepObject = `{"value":${deepObject}}`;
    const b = await post(`${server.url}/v1/outcomes`, deepObject);
    expect(b.status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("wrong types, out-of-range values, bad timestamps and oversized batches name the field", async () => {
    const cases: Array<[string, unknown, string]> = [
      ["/v1/exposures", { experiment: 5, variantId: "control", userId: "x" }, "experiment"],
      ["/v1/exposures", "just a string", ""],
      ["/v1/exposures", null, ""],
      ["/v1/outcomes", { experiment: "checkout", metric: "m", value: 1e16, userId: "x" }, "value"],
      ["/v1/outcomes", { experiment: "checkout", metric: "m", value: "12", userId: "x" }, "value"],
      [
        "/v1/outcomes",
        { experiment: "checkout", metric: "m", value: { kind: "count", value: 1.5 }, userId: "x" },
        "value",
      ],
      [
        "/v1/exposures",
        { experiment: "checkout", variantId: "control", userId: "x", timestamp: "yesterday" },
        "timestamp",
      ],
      [
        "/v1/exposures",
        { experiment: "checkout", variantId: "control", userId: "x", timestamp: Date.now() + 3 * 86_400_000 },
        "timestamp",
      ],
      ["/v1/exposures", { experiment: "checkout", variantId: "control", userId: "x".repeat(300) }, "userId"],
      ["/v1/exposures", { experiment: "checkout", variantId: "control", userId: "\ud800" }, "userId"],
    ];
    for (const [route, body, field] of cases) {
      const res = await post(`${server.url}${route}`, JSON.stringify(body));
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const problems = res.body.problems as Array<{ field: string }>;
      expect(
        problems.map((p) => p.field),
        JSON.stringify(body).slice(0, 80),
      ).toContain(field);
    }
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({
      experiment: "checkout",
      variantId: "control",
      userId: `m${i}`,
    }));
    const big = await post(`${server.url}/v1/exposures`, tooMany);
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.body)).toMatch(/at most 1000 records/);
    const empty = await post(`${server.url}/v1/exposures`, []);
    expect(empty.status).toBe(400);
  });

  it("a body that is not JSON is a 415", async () => {
    const res = await post(`${server.url}/v1/exposures`, "experiment=checkout", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe("unsupported-media-type");
  });
});

describe("environments and phases of ingested records", () => {
  it("keeps a record's own environment and phase, and gives the others the server's and the experiment's", async () => {
    const res = await post(`${server.url}/v1/exposures`, [
      { experiment: "checkout", variantId: "control", userId: "env-1", environment: "staging", phase: 7 },
      { experiment: "checkout", variantId: "control", userId: "env-2", environment: "staging", phase: 7 },
      { experiment: "checkout", variantId: "treatment", userId: "env-3" },
    ]);
    expect(res.status).toBe(202);
    await post(`${server.url}/v1/outcomes`, {
      experiment: "checkout",
      metric: "bought",
      value: true,
      userId: "env-1",
      environment: "staging",
      phase: 7,
    });
    const staged = await server.assay.summarize("checkout", { environment: "staging", phase: 7 });
    expect(staged.scope).toMatchObject({ environment: "staging", phase: 7, phases: [7] });
    expect(staged.variants).toEqual([{ variantId: "control", exposedUnits: 2, exposures: 2 }]);
    expect(staged.metrics[0]?.variants[0]).toMatchObject({ n: 2, sum: 1 });
    const here = await server.assay.summarize("checkout");
    expect(here.scope).toMatchObject({ environment: "default", phase: 1 });
    expect(here.variants.find((v) => v.variantId === "control")?.exposures ?? 0).toBeGreaterThanOrEqual(0);
    const page = await server.assay.store.scanEvents?.({ experiment: "checkout", limit: 50_000 });
    const env3 = page?.events.find((e) => e.userId === "env-3");
    expect(env3).toBeDefined();
    expect(env3?.environment ?? "default").toBe("default");
    expect(env3?.phase ?? 1).toBe(1);
  });

  it("keeps an exposure's dimensions, and refuses bad ones naming the field", async () => {
    const ok = await post(`${server.url}/v1/exposures`, [
      {
        experiment: "checkout",
        variantId: "control",
        userId: "dim-1",
        dimensions: { country: "DE", platform: "ios" },
      },
      { experiment: "checkout", variantId: "treatment", userId: "dim-2", dimensions: { country: "FR" } },
    ]);
    expect(ok.status).toBe(202);
    const page = await server.assay.store.scanEvents?.({ experiment: "checkout", limit: 50_000 });
    expect(page?.events.find((e) => e.userId === "dim-1")).toMatchObject({
      dimensions: { country: "DE", platform: "ios" },
    });
    const summary = await server.assay.summarize("checkout", { breakdown: "country" });
    expect(summary.breakdown?.slices.map((s) => s.value)).toEqual(expect.arrayContaining(["DE", "FR", null]));
    const bad = await post(`${server.url}/v1/exposures`, [
      { experiment: "checkout", variantId: "control", userId: "dim-3", dimensions: { country: 3 } },
      { experiment: "checkout", variantId: "control", userId: "dim-4", dimensions: { "bad name": "x" } },
      {
        experiment: "checkout",
        variantId: "control",
        userId: "dim-5",
        dimensions: { country: "x".repeat(257) },
      },
      { experiment: "checkout", variantId: "control", userId: "dim-6", dimensions: ["DE"] },
    ]);
    expect(bad.status).toBe(400);
    const fields = (bad.body as { problems: Array<{ index: number; field: string }> }).problems.map(
      (p) => `${p.index}:${p.field.split(".")[0]}`,
    );
    expect(fields).toEqual(
      expect.arrayContaining(["0:dimensions", "1:dimensions", "2:dimensions", "3:dimensions"]),
    );
  });

  it("refuses an environment that is not a name and a phase below 1, naming the field", async () => {
    const res = await post(`${server.url}/v1/exposures`, [
      { experiment: "checkout", variantId: "control", userId: "bad-1", environment: "prod uction" },
      { experiment: "checkout", variantId: "control", userId: "bad-2", phase: 0 },
    ]);
    expect(res.status).toBe(400);
    const fields = (res.body as { problems: Array<{ index: number; field: string }> }).problems.map(
      (p) => `${p.index}:${p.field}`,
    );
    expect(fields).toEqual(expect.arrayContaining(["0:environment", "1:phase"]));
  });
});
