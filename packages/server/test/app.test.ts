import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardApp } from "../src/index.js";
import { openerFor, seededManifest } from "./support/stores.js";

let app: FastifyInstance;
let manifest = "";

beforeAll(async () => {
  manifest = await seededManifest();
  app = await buildDashboardApp({ open: openerFor(manifest) });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

describe("the pages", () => {
  it("/ lists every experiment with its status, decision and SRM badge", async () => {
    const res = await app.inject("/");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    for (const id of [
      "ship_test",
      "breach_test",
      "srm_test",
      "three_arms",
      "zero_arm",
      "empty_test",
      "switched_off",
    ]) {
      expect(res.body).toContain(`data-experiment="${id}"`);
    }
    expect(res.body).toMatch(/data-experiment="empty_test">.*?data-status="no data"/s);
    expect(res.body).toMatch(/data-experiment="switched_off">.*?data-status="disabled"/s);
    expect(res.body).toMatch(/data-experiment="srm_test">.*?data-srm="mismatch"/s);
    expect(res.body).toMatch(/data-experiment="ship_test">.*?data-status="running".*?data-srm="ok"/s);
    expect(res.body).not.toContain("<script");
  });

  it("/experiments/:id shows the report's decision, an interval plot per metric and every variant", async () => {
    const api = (await app.inject("/api/experiments/zero_arm")).json() as { decision: string };
    const res = await app.inject("/experiments/zero_arm");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`data-decision="${api.decision}"`);
    expect(res.body).toContain('data-chart="interval" data-metric="checkout"');
    expect(res.body).toContain('data-arm="late"');
    expect(res.body).toContain('data-chart="trend"');
    expect(res.body).toContain('data-chart="exposures"');
    // which slice of the events the page shows
    expect(res.body).toContain('data-scope="default:1"');
    expect(res.body).toContain("environment default · phase 1");
  });

  it("an experiment with no data gets a page that says so", async () => {
    const res = await app.inject("/experiments/empty_test");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-empty="true"');
    expect(res.body).toContain("No data yet");
    expect(res.body).toContain('data-arm="treatment"');
  });

  it("an unknown id is a 404 page naming the known experiments", async () => {
    const res = await app.inject("/experiments/nope");
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain("Experiment not found");
    expect(res.body).toContain('href="/experiments/ship_test"');
    const api = await app.inject("/api/experiments/nope");
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({
      error: "experiment-not-found",
      known: expect.arrayContaining(["ship_test"]),
    });
  });
});

describe("the JSON twins", () => {
  it("/api/experiments/:id is the report; ?daily=1 adds the daily series", async () => {
    const report = (await app.inject("/api/experiments/ship_test")).json() as Record<string, unknown>;
    expect(report).toMatchObject({ experiment: "ship_test", control: "control" });
    expect(report).not.toHaveProperty("daily");
    const daily = (await app.inject("/api/experiments/ship_test?daily=1")).json() as { daily: unknown[] };
    expect(daily.daily).toHaveLength(7);
  });

  it("/api/experiments lists every experiment with status and report", async () => {
    const body = (await app.inject("/api/experiments")).json() as {
      experiments: Array<{ id: string; status: string; unitsExposed: number; daysRunning: number }>;
    };
    const byId = new Map(body.experiments.map((e) => [e.id, e]));
    expect(byId.get("ship_test")).toMatchObject({ status: "running", unitsExposed: 1400, daysRunning: 7 });
    expect(byId.get("empty_test")).toMatchObject({ status: "no data", unitsExposed: 0 });
    expect(byId.get("switched_off")?.status).toBe("disabled");
  });
});

describe("hostile input gets a clean 4xx, never a stack trace", () => {
  const cases: Array<[string, string, number]> = [
    ["GET", `/experiments/${"x".repeat(5000)}`, 414],
    ["GET", `/experiments/${"x".repeat(290)}`, 404],
    ["GET", "/experiments/%00%01", 404],
    ["GET", "/experiments/%E0%A4%A", 400],
    ["GET", "/api/experiments/%ZZ", 400],
    ["DELETE", "/experiments/ship_test", 404],
    ["PROPFIND", "/", 404],
    ["POST", "/api/experiments", 404],
    ["GET", "/../../etc/passwd", 404],
  ];
  for (const [method, url, status] of cases) {
    it(`${method} ${url.slice(0, 40)} → ${status}`, async () => {
      const res = await app.inject({ method: method as "GET", url });
      expect(res.statusCode).toBe(status);
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(res.body).not.toContain("Error:");
    });
  }
});

describe("a store that cannot be opened", () => {
  it("answers 503 with a page that says why, and /healthz still answers", async () => {
    const broken = await buildDashboardApp({
      open: async () => {
        throw new Error("SQLITE_CANTOPEN: unable to open database file");
      },
    });
    try {
      const page = await broken.inject("/");
      expect(page.statusCode).toBe(503);
      expect(page.headers["retry-after"]).toBe("5");
      expect(page.body).toContain("Event store unavailable");
      expect(page.body).toContain("SQLITE_CANTOPEN");
      const api = await broken.inject("/api/experiments/ship_test");
      expect(api.statusCode).toBe(503);
      expect(api.json()).toMatchObject({ error: "store-unavailable" });
      expect((await broken.inject("/healthz")).statusCode).toBe(200);
    } finally {
      await broken.close();
    }
  });
});
