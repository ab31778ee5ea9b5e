import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDashboardApp,
  DashboardConfigError,
  isLoopback,
  type RunningDashboard,
  serveDashboard,
  tokenMatches,
} from "../src/index.js";
import { openerFor, seededManifest } from "./support/stores.js";

const TOKEN = "s3cret-token-for-tests";
let manifest = "";

beforeAll(async () => {
  manifest = await seededManifest();
}, 60_000);

describe("tokenMatches", () => {
  it("accepts only the exact token", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN, `${TOKEN} `)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(tokenMatches(TOKEN, "")).toBe(false);
    expect(tokenMatches(TOKEN, undefined)).toBe(false);
  });
});

describe("with a token, every route but /healthz answers 401 without it", () => {
  const routes = [
    "/",
    "/experiments/ship_test",
    "/experiments/nope",
    "/api/experiments",
    "/api/experiments/ship_test",
    "/nowhere",
  ];
  let app: Awaited<ReturnType<typeof buildDashboardApp>>;
  beforeAll(async () => {
    app = await buildDashboardApp({ open: openerFor(manifest), token: TOKEN });
  });
  afterAll(async () => app?.close());

  for (const url of routes) {
    it(`${url}: 401 without, 401 with a wrong one, not 401 with the token`, async () => {
      const none = await app.inject(url);
      expect(none.statusCode).toBe(401);
      expect(none.headers["www-authenticate"]).toContain("Bearer");
      expect(none.body).not.toContain('ship_test"');
      const wrong = await app.inject({ url, headers: { authorization: "Bearer nope" } });
      expect(wrong.statusCode).toBe(401);
      const right = await app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(right.statusCode).not.toBe(401);
    });
  }

  it("/healthz answers without a token", async () => {
    expect((await app.inject("/healthz")).statusCode).toBe(200);
  });

  it("/login with the token sets a cookie the pages accept; a wrong token is refused", async () => {
    const bad = await app.inject("/login?token=wrong");
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain("not the right one");
    const login = await app.inject(`/login?token=${TOKEN}`);
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers["set-cookie"]);
    expect(cookie).toContain("HttpOnly");
    const page = await app.inject({ url: "/", headers: { cookie: cookie.split(";")[0] ?? "" } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-experiment="ship_test"');
  });
});

describe("serveDashboard", () => {
  it("binds 127.0.0.1 by default and prints its URL", async () => {
    const running = await serveDashboard({ open: openerFor(manifest), port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(new URL("/api/experiments", running.url));
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it("refuses a non-loopback host without a token, and starts with one", async () => {
    await expect(serveDashboard({ open: openerFor(manifest), host: "0.0.0.0", port: 0 })).rejects.toThrow(
      DashboardConfigError,
    );
    await expect(
      serveDashboard({ open: openerFor(manifest), host: "0.0.0.0", port: 0, token: "  " }),
    ).rejects.toThrow(/refusing to listen on 0.0.0.0 without a token/);
    let running: RunningDashboard | undefined;
    try {
      running = await serveDashboard({ open: openerFor(manifest), host: "0.0.0.0", port: 0, token: TOKEN });
      const port = new URL(running.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ok = await fetch(`http://127.0.0.1:${port}/api/experiments`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await running?.close();
    }
  });

  it("refuses a port out of range", async () => {
    await expect(serveDashboard({ open: openerFor(manifest), port: 70000 })).rejects.toThrow(/--port 70000/);
  });

  it("isLoopback", () => {
    expect(["127.0.0.1", "127.0.0.2", "::1", "localhost"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "192.168.1.2", "example.com"].some(isLoopback)).toBe(false);
  });
});
