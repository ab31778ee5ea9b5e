export type { Evaluation, EvaluationSource } from "./evaluation-source.js";
export { OfrepEvaluator } from "./evaluator.js";
export { type OfrepRouteOptions, ofrepRoutes } from "./ofrep-routes.js";
export type {
  OfrepErrorCode,
  OfrepEvaluation,
  OfrepFailure,
  OfrepMetadata,
  OfrepSuccess,
} from "./ofrep-types.js";
export { OFREP_REASON, type OfrepReason } from "./reasons.js";
export { EVALUATION_REQUEST, OFREP_BODY_LIMIT } from "./request-schema.js";
