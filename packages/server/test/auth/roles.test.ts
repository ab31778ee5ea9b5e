import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerApiKeyAuth } from "../../src/auth/api-key-auth.js";
import { registerEvaluateCors, registerPreflight } from "../../src/auth/cors.js";
import { type ApiKey, KeyRing, ROLES, type Role, routeRole } from "../../src/index.js";

const KEYS: ApiKey[] = [
  { name: "browser", key: "evaluate-key-0123456789", roles: ["evaluate"] },
  { name: "collector", key: "ingest-key-0123456789", roles: ["ingest"] },
  { name: "analyst", key: "read-key-0123456789", roles: ["read"] },
  { name: "ops", key: "admin-key-0123456789", roles: ["admin"] },
  { name: "both", key: "ingest-read-key-0123456", roles: ["ingest", "read"] },
];
const keyOf = (role: Role) => KEYS.find((k) => k.roles.length === 1 && k.roles[0] === role)!.key!;

/** One route per role plus an open one, behind the hook as the server registers it. */
async function appWithRoles(keys: readonly ApiKey[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const cors = { origins: ["https://shop.example"] };
  registerEvaluateCors(app, cors);
  registerApiKeyAuth(app, new KeyRing(keys));
  for (const role of ROLES) app.post(`/${role}`, routeRole(role), async () => ({ role }));
  app.get("/open", async () => ({ open: true }));
  registerPreflight(app, "/evaluate", "POST", cors);
  await app.ready();
  return app;
}

describe("roles from route config", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWithRoles(KEYS);
  });
  afterAll(async () => app.close());

  for (const route of ROLES) {
    it(`/${route}: 401 without a key or with an unknown one, 403 with another role, 200 with its own or admin`, async () => {
      const none = await app.inject({ method: "POST", url: `/${route}` });
      expect(none.statusCode).toBe(401);
      expect(none.headers["www-authenticate"]).toContain("Bearer");
      expect(none.json().error).toBe("unauthorized");
      const unknown = await app.inject({
        method: "POST",
        url: `/${route}`,
        headers: { authorization: "Bearer not-a-key-0123456789" },
      });
      expect(unknown.statusCode).toBe(401);
      expect(unknown.body).not.toContain("not-a-key");
      for (const held of ROLES) {
        const res = await app.inject({
          method: "POST",
          url: `/${route}`,
          headers: { authorization: `Bearer ${keyOf(held)}` },
        });
        const allowed = held === route || held === "admin";
        expect(res.statusCode, `${held} key on /${route}`).toBe(allowed ? 200 : 403);
        if (!allowed) {
          expect(res.json().message).toContain(`"${route}"`);
          expect(res.body).not.toContain(keyOf(held));
        }
      }
    });
  }

  it("X-API-Key works as well as Bearer; a key with two roles has both", async () => {
    const viaHeader = await app.inject({
      method: "POST",
      url: "/ingest",
      headers: { "x-api-key": "ingest-key-0123456789" },
    });
    expect(viaHeader.statusCode).toBe(200);
    for (const route of ["/ingest", "/read"]) {
      const res = await app.inject({
        method: "POST",
        url: route,
        headers: { authorization: "Bearer ingest-read-key-0123456" },
      });
      expect(res.statusCode).toBe(200);
    }
    const denied = await app.inject({
      method: "POST",
      url: "/evaluate",
      headers: { authorization: "Bearer ingest-read-key-0123456" },
    });
    expect(denied.statusCode).toBe(403);
  });

  it("a route without a role is open; an unknown path needs a valid key before its 404", async () => {
    expect((await app.inject("/open")).statusCode).toBe(200);
    expect((await app.inject("/nowhere")).statusCode).toBe(401);
    const found = await app.inject({ url: "/nowhere", headers: { "x-api-key": keyOf("read") } });
    expect(found.statusCode).toBe(404);
  });

  it("the login cookie never authorizes a POST (it rides along on cross-site requests)", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/read",
      headers: { cookie: `assay_token=${keyOf("admin")}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it("CORS headers only on evaluate routes and only for an allowed origin, 401s included", async () => {
    const origin = "https://shop.example";
    const evaluate = await app.inject({ method: "POST", url: "/evaluate", headers: { origin } });
    expect(evaluate.statusCode).toBe(401);
    expect(evaluate.headers["access-control-allow-origin"]).toBe(origin);
    expect(evaluate.headers["access-control-expose-headers"]).toBe("ETag");
    const ingest = await app.inject({ method: "POST", url: "/ingest", headers: { origin } });
    expect(ingest.headers["access-control-allow-origin"]).toBeUndefined();
    const stranger = await app.inject({
      method: "POST",
      url: "/evaluate",
      headers: { origin: "https://evil.example", authorization: `Bearer ${keyOf("evaluate")}` },
    });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("a preflight needs no key and allows POST with the Authorization header for an allowed origin", async () => {
    const ok = await app.inject({
      method: "OPTIONS",
      url: "/evaluate",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://shop.example");
    expect(ok.headers["access-control-allow-headers"]).toContain("authorization");
    expect(ok.headers["access-control-allow-methods"]).toBe("POST");
    const other = await app.inject({
      method: "OPTIONS",
      url: "/evaluate",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("no keys configured", () => {
  it("every route is open (serveDashboard allows that on loopback only)", async () => {
    const app = await appWithRoles([]);
    try {
      for (const role of ROLES)
        expect((await app.inject({ method: "POST", url: `/${role}` })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe("KeyRing", () => {
  it("matches by SHA-256 digest, so a keys file may hold the hash instead of the key", () => {
    const ring = new KeyRing([
      {
        name: "hashed",
        // sha256("hashed-key-0123456789")
        sha256: "62c5559717da6012427d84b732fdf7292e3426e5a620fd08af73ebf6300f6d91",
        roles: ["read"],
      },
      { name: "plain", key: "plain-key-0123456789", roles: ["ingest"] },
    ]);
    expect(ring.match("hashed-key-0123456789")?.name).toBe("hashed");
    expect(ring.match("plain-key-0123456789")?.name).toBe("plain");
    expect(ring.match("plain-key-012345678")).toBeUndefined();
    expect(ring.match(undefined)).toBeUndefined();
    expect(ring.describe()).toEqual(["hashed (read)", "plain (ingest)"]);
  });
});
