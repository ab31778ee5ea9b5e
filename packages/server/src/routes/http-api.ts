import type { FastifyInstance } from "fastify";
import { ingestRoutes } from "./events/ingest-routes.js";
import { ApiMetrics } from "./ops/api-metrics.js";
import { closeConnectionsWhenClosing, countRequests, opsRoutes } from "./ops/ops-routes.js";
import { readRoutes } from "./reads/read-routes.js";
import type { SourceHolder } from "./source-holder.js";

/** Options of the event and read routes of the HTTP API. */
export interface HttpApiOptions {
  /** How long an ingest waits for the store before answering 503 (default 10,000 ms). */
  readonly ingestTimeoutMs?: number;
  /** How long `/readyz` waits for the store (default 2,000 ms). */
  readonly readyTimeoutMs?: number;
}

/**
 * Registers the event ingest routes, the read routes (impressions, export) and the operations routes
 * (`/readyz`, `/metrics`) on the root app, with the request counter every route reports to.
 */
export async function registerHttpApi(
  app: FastifyInstance,
  holder: SourceHolder,
  options: HttpApiOptions = {},
): Promise<ApiMetrics> {
  const metrics = new ApiMetrics();
  countRequests(app, metrics);
  closeConnectionsWhenClosing(app);
  await app.register(ingestRoutes(holder, { metrics, timeoutMs: options.ingestTimeoutMs ?? 10_000 }));
  await app.register(readRoutes(holder, { metrics }));
  await app.register(opsRoutes(holder, { metrics, readyTimeoutMs: options.readyTimeoutMs ?? 2_000 }));
  return metrics;
}
