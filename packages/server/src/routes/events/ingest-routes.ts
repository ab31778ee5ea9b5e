import { ExperimentError } from "@assay/core";
import type { FastifyInstance } from "fastify";
import type { ApiMetrics } from "../ops/api-metrics.js";
import type { SourceHolder } from "../source-holder.js";
import { apiErrorHandler, replyStoreFailure, withinDeadline } from "./api-errors.js";
import { type RecordKind, recordBatch } from "./record-batch.js";

/** Largest ingest body: a full batch of MAX_BATCH records of about 1 KiB each. Bigger bodies get 413. */
export const INGEST_BODY_LIMIT = 1024 * 1024;

export interface IngestRouteOptions {
  readonly metrics: ApiMetrics;
  /** How long a request waits for the store to take its records before answering 503. */
  readonly timeoutMs: number;
}

const ROUTES: ReadonlyArray<readonly [string, RecordKind]> = [
  ["/v1/exposures", "exposure"],
  ["/v1/outcomes", "outcome"],
  ["/v1/track", "track"],
];

/**
 * `POST /v1/exposures`, `/v1/outcomes` and `/v1/track` (role `ingest`): one record or an array of up to
 * MAX_BATCH. 202 only once the store has them (the pipeline's promise), with how many were new and how many
 * repeated eventIds; 400 with the index and field of every bad record and nothing written (all or nothing);
 * 503 with `Retry-After` when the store is down, the pipeline's queue full, or the store slower than
 * `timeoutMs`.
 */
export function ingestRoutes(holder: SourceHolder, options: IngestRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(apiErrorHandler(options.metrics));
    for (const [path, kind] of ROUTES) {
      app.post(path, { bodyLimit: INGEST_BODY_LIMIT, config: { role: "ingest" } }, async (request, reply) => {
        const source = await holder.get();
        const store = source.events;
        if (store === undefined) {
          return reply.code(503).header("retry-after", "60").send({
            error: "store-unavailable",
            message: "this server was started without an event store to ingest into",
          });
        }
        const batch = recordBatch(kind, request.body, source.experiments(), source.environment);
        if (!batch.ok) {
          return reply.code(400).send({
            error: "invalid-records",
            message: `${new Set(batch.problems.map((p) => p.index)).size} record(s) are invalid; nothing was written (a batch is stored whole or not at all)`,
            problems: batch.problems,
          });
        }
        try {
          const result = await withinDeadline(store.append(batch.events), options.timeoutMs);
          options.metrics.ingest(path, batch.events.length);
          return reply.code(202).send({ accepted: batch.events.length, ...result });
        } catch (error) {
          if (replyStoreFailure(error, reply, options.metrics)) return reply;
          if (ExperimentError.is(error, "INVALID_CONTEXT")) {
            // The pipeline checks every event before queueing any, so nothing of the batch was written.
            return reply.code(400).send({
              error: "invalid-records",
              message: `${(error as Error).message}; nothing was written`,
              problems: [{ index: 0, field: "", message: (error as Error).message }],
            });
          }
          throw error;
        }
      });
    }
  };
}
