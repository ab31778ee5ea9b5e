import { Ajv, type ErrorObject } from "ajv";

/** Attributes a context may carry besides `targetingKey` and `sessionId`. */
export const MAX_ATTRIBUTES = 64;
/** Longest attribute value, in characters. */
export const MAX_ATTRIBUTE_LENGTH = 1024;
/** Longest attribute name, in characters. */
export const MAX_ATTRIBUTE_NAME = 128;
/** Longest request body of an OFREP route, in bytes (64 attributes of 256 characters fit). */
export const OFREP_BODY_LIMIT = 32 * 1024;

/**
 * `evaluationRequest` / `bulkEvaluationRequest` of the OFREP spec, as Assay accepts them: `{ context }`
 * and nothing else, the context's `targetingKey` (the user id) and `sessionId` strings, and at most
 * MAX_ATTRIBUTES more attributes, each a string, number or boolean (Assay targets on strings: numbers and
 * booleans are turned into their text). `targetingKey` is optional here: a flag needs none, and an
 * experiment whose unit is missing answers TARGETING_KEY_MISSING, as the spec's error codes intend.
 */
export const EVALUATION_REQUEST = {
  type: "object",
  required: ["context"],
  additionalProperties: false,
  properties: {
    context: {
      type: "object",
      maxProperties: MAX_ATTRIBUTES + 2,
      propertyNames: { maxLength: MAX_ATTRIBUTE_NAME },
      properties: {
        targetingKey: { type: "string" },
        sessionId: { type: "string" },
      },
      additionalProperties: { type: ["string", "number", "boolean"], maxLength: MAX_ATTRIBUTE_LENGTH },
    },
  },
} as const;

/** The request body once validated. */
export interface EvaluationRequest {
  readonly context: Readonly<Record<string, string | number | boolean>> & {
    readonly targetingKey?: string;
    readonly sessionId?: string;
  };
}

// No coercion (a number is not a targeting key), no removal of unknown fields (they are errors), every
// error reported at once.
const ajv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, allowUnionTypes: true });

/** The compiled validator of EVALUATION_REQUEST. */
export const validateEvaluationRequest = ajv.compile<EvaluationRequest>(EVALUATION_REQUEST);

/** `context.targetingKey: must be string`: one line per problem, the field as a dotted path. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (errors === null || errors === undefined || errors.length === 0) return "the request is not valid";
  return errors
    .slice(0, 10)
    .map((error) => {
      const field = error.instancePath === "" ? "body" : error.instancePath.slice(1).replaceAll("/", ".");
      if (error.keyword === "additionalProperties") {
        const name = String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 80);
        return `${field}: unknown field ${JSON.stringify(name)} (an evaluation request is { "context": { ... } })`;
      }
      if (error.keyword === "propertyNames") {
        return `${field}: an attribute name is at most ${MAX_ATTRIBUTE_NAME} characters`;
      }
      if (error.keyword === "required") return `${field}: missing "context" (the evaluation context)`;
      if (error.keyword === "type" && Array.isArray((error.params as { type?: unknown }).type)) {
        return `${field}: must be a string, number or boolean (context attributes are flat)`;
      }
      return `${field}: ${error.message ?? "is not valid"}`;
    })
    .join("; ");
}

/** Whether every problem is inside `context` (INVALID_CONTEXT) rather than in the body's shape (PARSE_ERROR). */
export function onlyContextErrors(errors: readonly ErrorObject[] | null | undefined): boolean {
  return (errors ?? []).every(
    (e) => e.instancePath.startsWith("/context") || (e.keyword === "required" && e.instancePath === ""),
  );
}
