import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loginPage } from "../render/error-page.js";
import type { KeyRing } from "./key-ring.js";
import { cookieKey, headerKey, LOGIN_COOKIE } from "./presented-key.js";
import { grants, type Role } from "./roles.js";

/**
 * The one hook that enforces the roles routes declare (`config: { role }`). With no key configured it does
 * nothing: the server runs open, which `serveDashboard` allows on loopback only. Otherwise:
 * - a route without a role is open (`/healthz`, `/login`, CORS preflights); a path no route matches needs
 *   some valid key before it gets its 404, so the route table is not readable without one;
 * - no key, or a key no entry matches: 401 with `WWW-Authenticate: Bearer`;
 * - a valid key without the route's role (and not `admin`): 403 naming the key and the role.
 * Keys come from `Authorization: Bearer`, `X-API-Key`, or, for `GET` routes of the `read` role only (the
 * dashboard pages), the login cookie: a cookie rides along on cross-site requests, so it never authorizes
 * evaluating or ingesting. Keys are never logged nor echoed.
 */
export function registerApiKeyAuth(app: FastifyInstance, ring: KeyRing): void {
  if (ring.size === 0) return;
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const role = request.routeOptions.config.role;
    if (role === undefined && !request.is404) return;
    const cookieAllowed = role === "read" && (request.method === "GET" || request.method === "HEAD");
    const key = headerKey(request) ?? (cookieAllowed || request.is404 ? cookieKey(request) : undefined);
    const match = ring.match(key);
    if (match === undefined) return unauthorized(request, reply, key === undefined, role);
    if (role !== undefined && !grants(match.roles, role)) {
      return reply
        .code(403)
        .header("cache-control", "no-store")
        .send({
          error: "forbidden",
          message: `the key "${match.name}" does not have the role "${role}" this route needs`,
        });
    }
  });
  registerLogin(app, ring);
}

/** 401: the login form for a browser asking for a page, JSON otherwise. Never echoes the key. */
function unauthorized(
  request: FastifyRequest,
  reply: FastifyReply,
  missing: boolean,
  role: Role | undefined,
): FastifyReply {
  reply.code(401).header("www-authenticate", 'Bearer realm="assay"').header("cache-control", "no-store");
  const wantsPage =
    role === "read" && request.method === "GET" && (request.headers.accept ?? "").includes("text/html");
  if (wantsPage) return reply.type("text/html; charset=utf-8").send(loginPage(false));
  return reply.send({
    error: "unauthorized",
    message: missing
      ? "an API key is required: Authorization: Bearer <key> or X-API-Key: <key>"
      : "the API key is not valid",
  });
}

/** `GET /login?token=KEY`: sets an HttpOnly cookie holding a key with the `read` role, for the pages. */
function registerLogin(app: FastifyInstance, ring: KeyRing): void {
  app.get("/login", async (request, reply) => {
    const given = (request.query as { token?: unknown }).token;
    const match = typeof given === "string" ? ring.match(given) : undefined;
    if (match !== undefined && typeof given === "string" && grants(match.roles, "read")) {
      return reply
        .header(
          "set-cookie",
          `${LOGIN_COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
        )
        .redirect("/", 303);
    }
    return reply
      .code(401)
      .type("text/html; charset=utf-8")
      .send(loginPage(given !== undefined));
  });
}
