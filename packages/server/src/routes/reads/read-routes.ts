import { Readable } from "node:stream";
import { ExperimentError, MAX_ID_LENGTH, requireId } from "@assay/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { apiErrorHandler, replyStoreFailure } from "../events/api-errors.js";
import type { ApiMetrics } from "../ops/api-metrics.js";
import type { SourceHolder } from "../source-holder.js";
import { decodeCursor, encodeCursor } from "./export-cursor.js";
import { CONTENT_TYPES, type ExportFormat, exportChunks } from "./export-format.js";

/** Events per export page unless `limit` says otherwise, and the most `limit` may ask for. */
export const DEFAULT_EXPORT_LIMIT = 10_000;
export const MAX_EXPORT_LIMIT = 50_000;

const EXPORT_QUERY = {
  type: "object",
  required: ["experiment"],
  properties: {
    experiment: { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH },
    since: { type: "string", minLength: 1, maxLength: 64 },
    format: { type: "string", enum: ["ndjson", "csv"], default: "ndjson" },
    cursor: { type: "string", minLength: 1, maxLength: 4096 },
    limit: { type: "integer", minimum: 1, maximum: MAX_EXPORT_LIMIT, default: DEFAULT_EXPORT_LIMIT },
  },
} as const;

const IMPRESSIONS_QUERY = {
  type: "object",
  properties: { experiment: { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH } },
} as const;

/**
 * A query parameter the route does not know is a 400 naming it (a typo such as `sinse=` would otherwise
 * export from the beginning, silently), checked before the schema runs.
 */
function refuseUnknownQuery(schema: { readonly properties: Readonly<Record<string, unknown>> }) {
  const known = Object.keys(schema.properties);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const unknown = Object.keys(request.query as Record<string, unknown>).filter((k) => !known.includes(k));
    if (unknown.length === 0) return;
    await reply.code(400).send({
      error: "invalid-request",
      message: `unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (this route takes ${known.join(", ")})`,
    });
  };
}

interface ExportQuery {
  experiment: string;
  since?: string;
  format: ExportFormat;
  cursor?: string;
  limit: number;
}

export interface ReadRouteOptions {
  readonly metrics: ApiMetrics;
}

/**
 * `GET /v1/metrics/impressions` (role `read`): exposures and exposed units per experiment and variant, from
 * the store's summaries. `GET /v1/export` (role `read`): one page of an experiment's raw events as NDJSON or
 * CSV, streamed, with the cursor of the next page in `x-next-cursor` (and a `Link: rel="next"`).
 */
export function readRoutes(holder: SourceHolder, options: ReadRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(apiErrorHandler(options.metrics));

    app.get(
      "/v1/metrics/impressions",
      {
        config: { role: "read" },
        schema: { querystring: IMPRESSIONS_QUERY },
        preValidation: refuseUnknownQuery(IMPRESSIONS_QUERY),
      },
      async (request, reply) => {
        const source = await holder.get();
        const { experiment } = request.query as { experiment?: string };
        const declared = source.experiments().map((e) => e.id);
        if (experiment !== undefined && !declared.includes(experiment)) {
          return reply.code(404).send({
            error: "experiment-not-found",
            message: `no experiment ${JSON.stringify(experiment)} in the manifest`,
            known: declared,
          });
        }
        try {
          const ids = experiment === undefined ? declared : [experiment];
          const experiments = await Promise.all(
            ids.map(async (id) => {
              const summary =
                source.events === undefined
                  ? await source.summarize(id, { daily: true })
                  : await source.events.summarize({ experiment: id, metrics: [] });
              return {
                experiment: id,
                exposures: summary.variants.reduce((n, v) => n + v.exposures, 0),
                variants: summary.variants.map((v) => ({
                  variantId: v.variantId,
                  exposures: v.exposures,
                  exposedUnits: v.exposedUnits,
                })),
              };
            }),
          );
          return reply.header("cache-control", "no-store").send({ experiments });
        } catch (error) {
          if (replyStoreFailure(error, reply, options.metrics)) return reply;
          throw error;
        }
      },
    );

    app.get(
      "/v1/export",
      {
        config: { role: "read" },
        schema: { querystring: EXPORT_QUERY },
        preValidation: refuseUnknownQuery(EXPORT_QUERY),
      },
      async (request, reply) => {
        const query = request.query as ExportQuery;
        const problem = idProblem(query.experiment);
        if (problem !== undefined)
          return reply.code(400).send({ error: "invalid-request", message: problem });
        const since = query.since === undefined ? undefined : sinceOf(query.since);
        if (since === null) {
          return reply.code(400).send({
            error: "invalid-request",
            message: `since must be an ISO 8601 date-time with a zone or Unix milliseconds, got ${JSON.stringify(query.since)}`,
          });
        }
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.experiment);
        const source = await holder.get();
        const store = source.events;
        if (store?.scanEvents === undefined) {
          return reply.code(501).send({
            error: "export-unsupported",
            message: `the ${source.storeName} store cannot list raw events (no scanEvents)`,
          });
        }
        let page: Awaited<ReturnType<NonNullable<typeof store.scanEvents>>>;
        try {
          page = await store.scanEvents({
            experiment: query.experiment,
            limit: query.limit,
            ...(since === undefined ? {} : { since }),
            ...(after === undefined ? {} : { after }),
          });
        } catch (error) {
          if (ExperimentError.is(error, "INVALID_CONTEXT")) {
            return reply.code(400).send({ error: "invalid-request", message: (error as Error).message });
          }
          if (replyStoreFailure(error, reply, options.metrics)) return reply;
          throw error;
        }
        const complete = page.events.length < query.limit;
        reply.header("cache-control", "no-store").header("x-export-complete", String(complete));
        reply.header("x-export-count", String(page.events.length));
        if (page.cursor !== undefined) {
          const next = encodeCursor(query.experiment, page.cursor);
          const params = new URLSearchParams({
            experiment: query.experiment,
            format: query.format,
            limit: String(query.limit),
            ...(query.since === undefined ? {} : { since: query.since }),
            cursor: next,
          });
          reply.header("x-next-cursor", next).header("link", `</v1/export?${params}>; rel="next"`);
        }
        return reply
          .type(CONTENT_TYPES[query.format])
          .send(Readable.from(exportChunks(page.events, query.format)));
      },
    );
  };
}

function idProblem(value: string): string | undefined {
  try {
    requireId(value, "experiment");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `since` as a Date: ISO 8601 (a date alone is midnight UTC) or Unix milliseconds; null when neither. */
function sinceOf(raw: string): Date | null {
  const date = /^\d{1,15}$/.test(raw) ? new Date(Number(raw)) : ISO_8601.test(raw) ? new Date(raw) : null;
  return date === null || Number.isNaN(date.getTime()) ? null : date;
}
