import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { registerTokenAuth } from "./auth/token.js";
import { ViewCache } from "./model/view-cache.js";
import { errorPage } from "./render/error-page.js";
import { experimentChartRoutes } from "./routes/experiment-charts.js";
import { experimentApiRoutes } from "./routes/experiments-api.js";
import { experimentPageRoutes } from "./routes/experiments-page.js";
import { healthRoutes } from "./routes/health.js";
import { SourceHolder } from "./routes/source-holder.js";
import type { OpenSource } from "./source.js";

export interface DashboardAppOptions {
  /** Opens the manifest's experiments and event store; called at the first request that needs them. */
  readonly open: OpenSource;
  /** When set, every route but `/healthz` needs it (Bearer header or the login cookie). */
  readonly token?: string;
  /** How long a page and its chart images reuse one summary; default 5000 ms, 0 summarizes every request. */
  readonly viewCacheMs?: number;
}

/**
 * The Assay HTTP app: health, auth, and one Fastify plugin per route concern (the dashboard's pages and
 * their JSON twins today; the HTTP API of the service registers beside them). Errors never carry a stack
 * trace: a 4xx says what was wrong, a store that cannot be opened is a 503 page, anything else a plain 500.
 */
export async function buildDashboardApp(options: DashboardAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 }, bodyLimit: 64 * 1024 });
  const holder = new SourceHolder(options.open);
  const views = new ViewCache(options.viewCacheMs ?? 5_000);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    const message =
      status === 503
        ? error.message
        : status < 500
          ? error.message
          : "the server could not answer this request";
    const api = request.url.startsWith("/api/");
    if (status === 503) reply.header("retry-after", "5");
    if (api)
      return reply.code(status).send({ error: status === 503 ? "store-unavailable" : "error", message });
    const title = status === 503 ? "Event store unavailable" : status < 500 ? "Bad request" : "Server error";
    return reply.code(status).type("text/html; charset=utf-8").send(errorPage(title, message));
  });
  app.setNotFoundHandler((request, reply) => {
    const api = request.url.startsWith("/api/");
    const message = `no page at ${request.method} ${request.url.slice(0, 200)}`;
    if (api) return reply.code(404).send({ error: "not-found", message });
    return reply.code(404).type("text/html; charset=utf-8").send(errorPage("Not found", message));
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'",
    );
    return payload;
  });
  if (options.token !== undefined) registerTokenAuth(app, options.token);
  await app.register(healthRoutes);
  await app.register(experimentPageRoutes(holder, views));
  await app.register(experimentChartRoutes(holder, views));
  await app.register(experimentApiRoutes(holder));
  app.addHook("onClose", async () => {
    const source = await holder.opened();
    await source?.close?.();
  });
  return app;
}
