import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDashboardApp,
  DashboardConfigError,
  ROLES,
  type Role,
  routeTable,
  serveDashboard,
} from "../../src/index.js";
import { API_KEYS, evaluatingOpener, KEYS, manifestFile } from "../ofrep/support.js";

type App = Awaited<ReturnType<typeof buildDashboardApp>>;
let app: App;

beforeAll(async () => {
  app = await buildDashboardApp({ open: evaluatingOpener(manifestFile()).open, keys: API_KEYS });
  await app.ready();
}, 60_000);
afterAll(async () => app?.close());

/** A concrete URL for a route pattern: every parameter filled in. */
function concrete(url: string): string {
  return url
    .replace(":key", "checkout")
    .replace(":file", "exposures.svg")
    .replace(/:[A-Za-z]+/g, "checkout")
    .replace("*", "x");
}

describe("every route that declares a role", () => {
  it("the table lists the dashboard's, OFREP's and the API's routes, each with its role", () => {
    const table = routeTable(app);
    const role = (method: string, url: string) =>
      table.find((r) => r.method === method && r.url === url)?.role;
    expect(role("GET", "/healthz")).toBeUndefined();
    expect(role("GET", "/")).toBe("read");
    expect(role("GET", "/api/experiments/:id")).toBe("read");
    expect(role("POST", "/ofrep/v1/evaluate/flags")).toBe("evaluate");
    expect(role("POST", "/ofrep/v1/evaluate/flags/:key")).toBe("evaluate");
    expect(table.filter((r) => r.role !== undefined).length).toBeGreaterThan(6);
  });

  it("answers 401 without a key, 403 with a key of another role, and lets its own role and admin in", async () => {
    const guarded = routeTable(app).filter((r) => r.role !== undefined && r.method !== "HEAD");
    const checked: string[] = [];
    for (const route of guarded) {
      const url = concrete(route.url);
      const send = (authorization?: string) =>
        app.inject({
          method: route.method as "GET",
          url,
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          ...(route.method === "GET" ? {} : { payload: "{}" }),
        });
      const none = await send();
      expect(none.statusCode, `${route.method} ${url} without a key`).toBe(401);
      for (const held of ROLES) {
        const res = await send(`Bearer ${KEYS[held as Role]}`);
        const allowed = held === route.role || held === "admin";
        if (allowed) expect(res.statusCode, `${route.method} ${url} with ${held}`).not.toBeOneOf([401, 403]);
        else expect(res.statusCode, `${route.method} ${url} with ${held}`).toBe(403);
      }
      checked.push(`${route.method} ${route.url}`);
    }
    expect(checked).toContain("POST /ofrep/v1/evaluate/flags/:key");
    expect(checked).toContain("GET /experiments/:id");
  }, 60_000);
});

describe("binding", () => {
  it("refuses a non-loopback host without keys; starts with keys (and answers 401 without one)", async () => {
    const open = evaluatingOpener(manifestFile()).open;
    await expect(serveDashboard({ open, host: "0.0.0.0", port: 0, keys: [] })).rejects.toThrow(
      DashboardConfigError,
    );
    await expect(serveDashboard({ open, host: "::", port: 0 })).rejects.toThrow(/refusing to listen on ::/);
    const running = await serveDashboard({ open, host: "0.0.0.0", port: 0, keys: API_KEYS });
    try {
      const port = new URL(running.url).port;
      const res = await fetch(`http://127.0.0.1:${port}/ofrep/v1/evaluate/flags/checkout`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"context":{"targetingKey":"a"}}',
      });
      expect(res.status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it("on loopback with no key every route is open", async () => {
    const running = await serveDashboard({ open: evaluatingOpener(manifestFile()).open, port: 0 });
    try {
      const res = await fetch(new URL("/ofrep/v1/evaluate/flags/checkout", running.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"context":{"targetingKey":"a"}}',
      });
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
