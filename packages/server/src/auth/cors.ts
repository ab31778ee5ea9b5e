import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Which browser origins may call the routes of the `evaluate` role (OFREP). Other roles never get CORS. */
export interface CorsOptions {
  /** Exact origins (`https://shop.example`), or `"*"` for any. */
  readonly origins: readonly string[];
  /** How long a browser may cache a preflight answer; default 600 s. */
  readonly maxAgeSeconds?: number;
}

/** A CORS setting that cannot be used (an origin that is not scheme://host[:port]). */
export class CorsConfigError extends Error {
  override readonly name = "CorsConfigError";
}

const REQUEST_HEADERS = "authorization, x-api-key, content-type, if-none-match";

/** Checks the origins: `*`, or `scheme://host[:port]` with no path, as browsers send them. */
export function checkCorsOptions(options: CorsOptions): CorsOptions {
  for (const [index, origin] of options.origins.entries()) {
    if (origin === "*") continue;
    if (!/^https?:\/\/[^/\s?#]+$/.test(origin)) {
      throw new CorsConfigError(
        `cors origin ${index} ${JSON.stringify(origin)}: expected "*" or scheme://host[:port] without a path`,
      );
    }
  }
  return options;
}

function allowedOrigin(options: CorsOptions, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  return options.origins.includes("*") || options.origins.includes(origin) ? origin : undefined;
}

/**
 * CORS for the routes of the `evaluate` role, and for no other: their answers (401 and 403 included, so a
 * browser can read why) carry `Access-Control-Allow-Origin` for an allowed `Origin`, with `Vary: Origin`
 * and `ETag` exposed for the bulk evaluation's polling. Register it before the auth hook.
 */
export function registerEvaluateCors(app: FastifyInstance, options: CorsOptions | undefined): void {
  if (options === undefined || options.origins.length === 0) return;
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.role !== "evaluate") return;
    reply.header("vary", "Origin");
    const origin = allowedOrigin(options, request.headers.origin);
    if (origin === undefined) return;
    reply.header("access-control-allow-origin", origin).header("access-control-expose-headers", "ETag");
  });
}

/**
 * `OPTIONS url`: the preflight of an `evaluate` route (open: a preflight carries no key). An allowed origin
 * asking for `method` gets 204 with the allowed method and headers; anything else gets 204 without them,
 * so the browser refuses the call.
 */
export function registerPreflight(
  app: FastifyInstance,
  url: string,
  method: string,
  options: CorsOptions | undefined,
): void {
  if (options === undefined || options.origins.length === 0) return;
  app.options(url, async (request, reply) => {
    reply.header("vary", "Origin").header("cache-control", "no-store");
    const origin = allowedOrigin(options, request.headers.origin);
    const asked = request.headers["access-control-request-method"];
    if (origin !== undefined && typeof asked === "string" && asked.toUpperCase() === method) {
      reply
        .header("access-control-allow-origin", origin)
        .header("access-control-allow-methods", method)
        .header("access-control-allow-headers", REQUEST_HEADERS)
        .header("access-control-max-age", String(options.maxAgeSeconds ?? 600));
    }
    return reply.code(204).send();
  });
}
