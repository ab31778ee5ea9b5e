import { ExperimentError } from "@assay/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { ApiMetrics } from "../ops/api-metrics.js";

/** Seconds a client should wait after a 503: a full queue drains in about a second, a store takes longer. */
export const RETRY_AFTER_QUEUE_FULL = 1;
export const RETRY_AFTER_STORE_DOWN = 5;

/** The store did not take the records within the server's `ingestTimeoutMs`. */
export class IngestTimeoutError extends Error {
  override readonly name = "IngestTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(
      `the event store did not take the records within ${timeoutMs} ms; they may still be stored, so retry with the same eventIds (never counted twice)`,
    );
  }
}

/** Resolves or rejects as `work` does, or rejects with IngestTimeoutError after `ms`. */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new IngestTimeoutError(ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Answers a store failure: 503 with `Retry-After`, never a hang and never a 500, since the client can
 * retry (with the same eventIds, counted once). A full pipeline queue is `queue-full`, the rest
 * `store-unavailable`. Returns false when `error` is not a store failure.
 */
export function replyStoreFailure(error: unknown, reply: FastifyReply, metrics: ApiMetrics): boolean {
  const queueFull = error instanceof Error && error.name === "QueueFullError";
  const storeDown =
    queueFull ||
    error instanceof IngestTimeoutError ||
    ExperimentError.is(error, "BACKEND") ||
    (error instanceof Error && error.name === "StoreUnavailableError");
  if (!storeDown) return false;
  metrics.storeError();
  void reply
    .code(503)
    .header("retry-after", String(queueFull ? RETRY_AFTER_QUEUE_FULL : RETRY_AFTER_STORE_DOWN))
    .header("cache-control", "no-store")
    .send({ error: queueFull ? "queue-full" : "store-unavailable", message: (error as Error).message });
  return true;
}

/** What a Fastify error code means to an API client, for the `error` field of the JSON body. */
const CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid-json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid-json",
  FST_ERR_CTP_BODY_TOO_LARGE: "body-too-large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported-media-type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad-content-length",
  FST_ERR_VALIDATION: "invalid-request",
};

/**
 * The error handler of the HTTP API's routes: JSON bodies (`{ error, message }`), store failures as 503 with
 * `Retry-After`, client errors with what was wrong, anything else a plain 500 without a stack trace.
 */
export function apiErrorHandler(metrics: ApiMetrics) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (replyStoreFailure(error, reply, metrics)) return;
    const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      return reply.code(500).send({ error: "internal", message: "the server could not answer this request" });
    }
    const code = CODES[error.code] ?? (ExperimentError.is(error) ? "invalid-request" : "bad-request");
    const message = code === "invalid-json" ? `the body is not valid JSON: ${error.message}` : error.message;
    return reply.code(status).send({ error: code, message });
  };
}
