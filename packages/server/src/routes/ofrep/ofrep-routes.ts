import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type CorsOptions, registerPreflight } from "../../auth/cors.js";
import { routeRole } from "../../auth/roles.js";
import type { SourceHolder } from "../source-holder.js";
import { experimentContextOf, isContextProblem } from "./context.js";
import { etagOf, noneMatchHits } from "./etag.js";
import type { EvaluationSource } from "./evaluation-source.js";
import { OfrepEvaluator } from "./evaluator.js";
import {
  describeErrors,
  OFREP_BODY_LIMIT,
  onlyContextErrors,
  validateEvaluationRequest,
} from "./request-schema.js";

const JSON_TYPE = "application/json; charset=utf-8";

/** Options of the OFREP routes. */
export interface OfrepRouteOptions {
  /** Browser origins allowed to call them (preflights are answered only with these). */
  readonly cors?: CorsOptions | undefined;
}

/** The request as OFREP routes see it: their failures are answered with OFREP's error bodies. */
class OfrepRequestError extends Error {
  override readonly name = "OfrepRequestError";
  constructor(
    readonly errorCode: "PARSE_ERROR" | "INVALID_CONTEXT" | "GENERAL",
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * OFREP v1 (the OpenFeature Remote Evaluation Protocol), registered under `/ofrep/v1`, role `evaluate`:
 * `POST /evaluate/flags/{key}` evaluates one experiment or flag, `POST /evaluate/flags` all of them, with an
 * ETag so a polling client's `If-None-Match` gets a 304 while its answers are unchanged. Experiments go
 * through the runtime's `assign` (the value is the variant's `value`, else its id); flags through its flag
 * client. Evaluating records nothing, as `assign` does. Errors have OFREP's bodies and statuses.
 */
export function ofrepRoutes(holder: SourceHolder, options: OfrepRouteOptions = {}) {
  const evaluators = new WeakMap<object, OfrepEvaluator>();
  const evaluatorOf = async (): Promise<OfrepEvaluator> => {
    const source = (await holder.get()) as EvaluationSource;
    const evaluation = source.evaluation;
    if (evaluation === undefined) {
      throw new OfrepRequestError("GENERAL", "this server was started without an evaluation client", 503);
    }
    let evaluator = evaluators.get(evaluation);
    // A reloaded manifest (a new manifestVersion) gets a new view: experiments, flags, config version.
    if (evaluator === undefined || evaluator.builtFrom !== evaluation.manifestVersion) {
      evaluator = new OfrepEvaluator(evaluation);
      evaluators.set(evaluation, evaluator);
    }
    return evaluator;
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error: FastifyError | OfrepRequestError, request, reply) =>
      sendError(error, request, reply),
    );
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .type(JSON_TYPE)
        .send({ errorDetails: `no OFREP route at ${request.method} ${request.url.slice(0, 200)}` }),
    );
    const route = { ...routeRole("evaluate"), bodyLimit: OFREP_BODY_LIMIT };

    app.post("/evaluate/flags/:key", route, async (request, reply) => {
      const evaluator = await evaluatorOf();
      const ctx = contextOf(request.body);
      const { key } = request.params as { key: string };
      const rendered = evaluator.evaluate(key, ctx);
      return reply.code(rendered.status).type(JSON_TYPE).send(rendered.json);
    });

    app.post("/evaluate/flags", route, async (request, reply) => {
      const evaluator = await evaluatorOf();
      const ctx = contextOf(request.body);
      const body = evaluator.bulk(ctx);
      const etag = etagOf(body);
      reply.header("etag", etag);
      const asked = request.headers["if-none-match"];
      if (noneMatchHits(typeof asked === "string" ? asked : undefined, etag)) return reply.code(304).send();
      return reply.code(200).type(JSON_TYPE).send(body);
    });

    registerPreflight(app, "/evaluate/flags", "POST", options.cors);
    registerPreflight(app, "/evaluate/flags/:key", "POST", options.cors);
  };
}

/** The validated context of a request body, or an OfrepRequestError naming every problem. */
function contextOf(body: unknown) {
  if (!validateEvaluationRequest(body)) {
    const errors = validateEvaluationRequest.errors;
    const code = onlyContextErrors(errors) ? "INVALID_CONTEXT" : "PARSE_ERROR";
    throw new OfrepRequestError(code, describeErrors(errors), 400);
  }
  const ctx = experimentContextOf(body.context);
  if (isContextProblem(ctx)) throw new OfrepRequestError("INVALID_CONTEXT", ctx.problem, 400);
  return ctx;
}

/**
 * OFREP's error bodies: a single evaluation's `evaluationFailure` (with its `key`), a bulk evaluation's
 * `bulkEvaluationFailure`, and `generalErrorResponse` (`errorDetails` only) for what is not the request's
 * fault. Fastify's own errors (malformed JSON, a body over the limit, a wrong content type) are mapped.
 */
function sendError(error: FastifyError | OfrepRequestError, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  let status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
  let errorCode: string = "GENERAL";
  let details: string;
  if (error instanceof OfrepRequestError) {
    errorCode = error.errorCode;
    details = error.message;
  } else if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    errorCode = "PARSE_ERROR";
    details = `the request body is over ${OFREP_BODY_LIMIT} bytes`;
  } else if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    errorCode = "PARSE_ERROR";
    details = "send the evaluation request as Content-Type: application/json";
  } else if (status === 400) {
    // Malformed JSON, an empty body, a __proto__ key: the parser's message, which names no secret.
    errorCode = "PARSE_ERROR";
    details = `the request body is not valid JSON: ${error.message.slice(0, 200)}`;
  } else if (status === 503) {
    details = error.message;
  } else {
    status = Math.min(status, 500);
    details = status < 500 ? error.message.slice(0, 200) : "the server could not evaluate this request";
  }
  if (status === 503) reply.header("retry-after", "5");
  if (status >= 500) return reply.code(status).type(JSON_TYPE).send({ errorDetails: details });
  const body =
    key === undefined ? { errorCode, errorDetails: details } : { key, errorCode, errorDetails: details };
  return reply.code(status).type(JSON_TYPE).send(body);
}
