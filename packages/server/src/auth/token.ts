import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loginPage } from "../render/error-page.js";

const COOKIE = "assay_token";

/**
 * Compares in constant time: both sides are hashed first, so neither the length nor the first differing
 * byte of the token shows in the timing.
 */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …`, or the cookie the login form sets. */
function presented(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string" && header.startsWith("Bearer ")) return header.slice(7).trim();
  const cookies = request.headers.cookie;
  if (typeof cookies !== "string") return undefined;
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) {
      try {
        return decodeURIComponent(value.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Routes that answer without a token: the health check (for load balancers) and the login form. */
const OPEN = new Set(["/healthz", "/login"]);

/**
 * With a token, every route but `/healthz` and `/login` answers 401 without it: JSON with
 * `WWW-Authenticate: Bearer` under `/api/`, the login form elsewhere. `/login?token=…` sets an HttpOnly
 * cookie so a browser can use the pages without sending a header.
 */
export function registerTokenAuth(app: FastifyInstance, token: string): void {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "";
    if (OPEN.has(path)) return;
    if (tokenMatches(token, presented(request))) return;
    reply.header("www-authenticate", 'Bearer realm="assay"').header("cache-control", "no-store");
    if (path.startsWith("/api/")) {
      return reply.code(401).send({ error: "unauthorized", message: "a valid Bearer token is required" });
    }
    return reply.code(401).type("text/html; charset=utf-8").send(loginPage(false));
  });
  app.get("/login", async (request, reply) => {
    const given = (request.query as { token?: unknown }).token;
    if (typeof given === "string" && tokenMatches(token, given)) {
      return reply
        .header("set-cookie", `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`)
        .redirect("/", 303);
    }
    return reply
      .code(401)
      .type("text/html; charset=utf-8")
      .send(loginPage(given !== undefined));
  });
}
