import type { EventStore } from "@assay/core";
import type { FastifyInstance } from "fastify";
import { RETRY_AFTER_STORE_DOWN, withinDeadline } from "../events/api-errors.js";
import type { SourceHolder } from "../source-holder.js";
import type { ApiMetrics } from "./api-metrics.js";

/** An experiment id no manifest declares: a summary of it touches the store and finds nothing. */
const PROBE_EXPERIMENT = "__assay_readyz_probe__";

export interface OpsRouteOptions {
  readonly metrics: ApiMetrics;
  /** How long `/readyz` waits for the store. */
  readonly readyTimeoutMs: number;
}

/**
 * `GET /readyz` (open, like `/healthz`): 200 once the store answers a query within `readyTimeoutMs` (with the
 * manifest serving and the last one refused, when the server reloads its manifest), else
 * 503 with `Retry-After` and why. `GET /metrics` (role `read`): the counters in Prometheus text format.
 */
export function opsRoutes(holder: SourceHolder, options: OpsRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/readyz", async (_request, reply) => {
      reply.header("cache-control", "no-store");
      try {
        const source = await holder.get();
        const store = source.events === undefined ? undefined : unbatched(source.events);
        const probe =
          store === undefined
            ? source.summarize(PROBE_EXPERIMENT, { daily: true })
            : store.summarize({ experiment: PROBE_EXPERIMENT });
        await withinDeadline(probe, options.readyTimeoutMs);
        // A refused manifest does not make the server unready: the last good one keeps serving, and says so.
        const manifest = source.manifestStatus?.();
        return reply.send({
          ready: true,
          store: source.storeName,
          ...(manifest === undefined ? {} : { manifest }),
        });
      } catch (error) {
        return reply
          .code(503)
          .header("retry-after", String(RETRY_AFTER_STORE_DOWN))
          .send({ ready: false, error: "store-unavailable", message: (error as Error).message });
      }
    });
    app.get("/metrics", { config: { role: "read" } }, async (_request, reply) => {
      const source = await holder.opened();
      return reply
        .header("cache-control", "no-store")
        .type("text/plain; version=0.0.4; charset=utf-8")
        .send(options.metrics.render(source?.pipelineStats?.()));
    });
  };
}

/**
 * The store behind the pipeline, when `store` is one (its `inner`): the pipeline's summarize flushes first,
 * so under a heavy ingest the probe would wait for the queue and call a busy server unready.
 */
function unbatched(store: EventStore): EventStore {
  const inner = (store as { readonly inner?: unknown }).inner;
  return typeof inner === "object" && inner !== null && typeof (inner as EventStore).summarize === "function"
    ? (inner as EventStore)
    : store;
}

/** Counts every answered request of `app` (root level, so every route is seen) by its route pattern. */
export function countRequests(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}

/**
 * Lets a closing server finish: `app.close()` stops accepting connections and closes the idle ones, but a
 * keep-alive connection busy at that moment (a batch waiting for its commit) would stay open after its
 * answer for Fastify's keepAliveTimeout (72 s), and `close` with it. Once closing, every answer says
 * `Connection: close`, so each such connection ends with the answer it was waiting for.
 */
export function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
}
