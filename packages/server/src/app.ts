import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { registerApiKeyAuth } from "./auth/api-key-auth.js";
import { type CorsOptions, registerEvaluateCors } from "./auth/cors.js";
import { type ApiKey, KeyRing } from "./auth/key-ring.js";
import { recordRoutes } from "./auth/route-table.js";
import { ViewCache } from "./model/view-cache.js";
import { errorPage } from "./render/error-page.js";
import { experimentChartRoutes } from "./routes/experiment-charts.js";
import { experimentApiRoutes } from "./routes/experiments-api.js";
import { experimentPageRoutes } from "./routes/experiments-page.js";
import { healthRoutes } from "./routes/health.js";
import { type HttpApiOptions, registerHttpApi } from "./routes/http-api.js";
import { ofrepRoutes } from "./routes/ofrep/ofrep-routes.js";
import { SourceHolder } from "./routes/source-holder.js";
import type { OpenSource } from "./source.js";

export interface DashboardAppOptions {
  /** Opens the manifest's experiments and event store; called at the first request that needs them. */
  readonly open: OpenSource;
  /**
   * API keys with their roles; every route that declares a role (`config: { role }`) needs a key holding it
   * (or `admin`). No keys and no token: every route is open (`serveDashboard` allows that on loopback only).
   */
  readonly keys?: readonly ApiKey[];
  /** The dashboard's single token (`ASSAY_DASHBOARD_TOKEN`): an `admin` key named "dashboard-token". */
  readonly token?: string;
  /** Browser origins allowed to call the `evaluate` routes (OFREP); no CORS when absent. */
  readonly cors?: CorsOptions;
  /** How long a page and its chart images reuse one summary; default 5000 ms, 0 summarizes every request. */
  readonly viewCacheMs?: number;
  /**
   * The path the pages are reached under when another app forwards to this one (`"/results"`, see
   * `mountDashboard`): every link of the pages starts with it. Default "": the app serves the root.
   */
  readonly basePath?: string;
  /**
   * The manifest's folder: its `.assay/simulated.json` (written by `assay simulate`) names the experiments
   * whose data are simulated, and their pages say so. No notes are read when absent.
   */
  readonly manifestDir?: string;
  /** Timeouts of the event ingest and readiness routes (see `HttpApiOptions`). */
  readonly api?: HttpApiOptions;
  /** Longest time to receive a whole request (headers and body), in ms; default 30,000. Slow senders get 408. */
  readonly requestTimeoutMs?: number;
}

/**
 * The Assay HTTP app: health, auth, and one Fastify plugin per route concern (the dashboard's pages and
 * their JSON twins today; the HTTP API of the service registers beside them). Errors never carry a stack
 * trace: a 4xx says what was wrong, a store that cannot be opened is a 503 page, anything else a plain 500.
 */
export async function buildDashboardApp(options: DashboardAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 300 },
    bodyLimit: 64 * 1024,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
  });
  const holder = new SourceHolder(options.open);
  const views = new ViewCache(options.viewCacheMs ?? 5_000);
  const base = options.basePath ?? "";
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
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(errorPage(title, message, "", base));
  });
  app.setNotFoundHandler((request, reply) => {
    const api = request.url.startsWith("/api/") || request.url.startsWith("/v1/");
    const message = `no page at ${request.method} ${request.url.slice(0, 200)}`;
    if (api) return reply.code(404).send({ error: "not-found", message });
    return reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(errorPage("Not found", message, "", base));
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'",
    );
    return payload;
  });
  recordRoutes(app);
  registerEvaluateCors(app, options.cors);
  registerApiKeyAuth(app, keyRingOf(options));
  await app.register(healthRoutes);
  await app.register(
    experimentPageRoutes(holder, views, {
      base,
      ...(options.manifestDir === undefined ? {} : { manifestDir: options.manifestDir }),
    }),
  );
  await app.register(experimentChartRoutes(holder, views));
  await app.register(experimentApiRoutes(holder));
  await registerHttpApi(app, holder, options.api);
  await app.register(ofrepRoutes(holder, { cors: options.cors }), { prefix: "/ofrep/v1" });
  app.addHook("onClose", async () => {
    const source = await holder.opened();
    await source?.close?.();
  });
  return app;
}

/** The keys of the options, the legacy dashboard token included as an admin key. */
export function keyRingOf(options: Pick<DashboardAppOptions, "keys" | "token">): KeyRing {
  const keys = [...(options.keys ?? [])];
  if (options.token !== undefined)
    keys.push({ name: "dashboard-token", key: options.token, roles: ["admin"] });
  return new KeyRing(keys);
}
