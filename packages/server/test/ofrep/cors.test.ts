import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardApp } from "../../src/index.js";
import { API_KEYS, evaluatingOpener, KEYS, manifestFile } from "./support.js";

type App = Awaited<ReturnType<typeof buildDashboardApp>>;
let app: App;
const ORIGIN = "https://shop.example";

beforeAll(async () => {
  app = await buildDashboardApp({
    open: evaluatingOpener(manifestFile()).open,
    keys: API_KEYS,
    cors: { origins: [ORIGIN] },
  });
}, 60_000);
afterAll(async () => app?.close());

describe("CORS on the app, for OFREP only", () => {
  it("answers the preflight of both OFREP routes without a key, for the allowed origin only", async () => {
    for (const url of ["/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/checkout"]) {
      const ok = await app.inject({
        method: "OPTIONS",
        url,
        headers: {
          origin: ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      expect(ok.statusCode).toBe(204);
      expect(ok.headers["access-control-allow-origin"]).toBe(ORIGIN);
      expect(String(ok.headers["access-control-allow-headers"])).toContain("if-none-match");
      const stranger = await app.inject({
        method: "OPTIONS",
        url,
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      });
      expect(stranger.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("an evaluation from the allowed origin can read the answer and the ETag; other roles' routes get no CORS", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      headers: { origin: ORIGIN, authorization: `Bearer ${KEYS.evaluate}` },
      payload: { context: { targetingKey: "alice" } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(res.headers["access-control-expose-headers"]).toBe("ETag");
    expect(res.headers.vary).toContain("Origin");
    const denied = await app.inject({
      method: "POST",
      url: "/ofrep/v1/evaluate/flags",
      headers: { origin: ORIGIN },
      payload: { context: { targetingKey: "alice" } },
    });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const report = await app.inject({
      url: "/metrics",
      headers: { origin: ORIGIN, authorization: `Bearer ${KEYS.read}` },
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers["access-control-allow-origin"]).toBeUndefined();
    const preflightElsewhere = await app.inject({
      method: "OPTIONS",
      url: "/v1/exposures",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(preflightElsewhere.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
