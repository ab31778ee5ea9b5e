import { MAX_ID_LENGTH } from "@assay/core";

/**
 * JSON schemas of one ingest record, checked by ajv (the shape: types, required and unknown fields). What a
 * schema cannot say (no NUL, well-formed text, the timestamp window, ±1e15) is checked afterwards by the
 * core's own record validation, so a record the server accepts is one every store keeps.
 */

const id = { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH } as const;

/** An ISO 8601 date-time string, or Unix milliseconds; absent means "now, at the server". */
const timestamp = {
  anyOf: [
    { type: "string", minLength: 1, maxLength: 64 },
    { type: "integer", minimum: 0 },
  ],
} as const;

/** `{ experiment, variantId, userId | sessionId, eventId?, timestamp? }`: the core's ExposureRecord. */
export const EXPOSURE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["experiment", "variantId"],
  anyOf: [{ required: ["userId"] }, { required: ["sessionId"] }],
  properties: {
    experiment: id,
    variantId: id,
    userId: id,
    sessionId: id,
    eventId: id,
    timestamp,
  },
} as const;

/** `{ experiment, metric, value, userId | sessionId, eventId?, timestamp? }`: the core's OutcomeRecord. */
export const OUTCOME_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["experiment", "metric", "value"],
  anyOf: [{ required: ["userId"] }, { required: ["sessionId"] }],
  properties: {
    experiment: id,
    metric: id,
    value: {
      anyOf: [
        { type: "boolean" },
        { type: "number" },
        {
          type: "object",
          additionalProperties: false,
          required: ["kind", "value"],
          properties: {
            kind: { enum: ["bool", "numeric", "count"] },
            value: { anyOf: [{ type: "boolean" }, { type: "number" }] },
          },
        },
      ],
    },
    userId: id,
    sessionId: id,
    eventId: id,
    timestamp,
  },
} as const;

/** FeatureSignals' impression: `{ flag_key, variant_key, user_key, eventId?, timestamp? }`, an exposure. */
export const TRACK_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["flag_key", "variant_key", "user_key"],
  properties: {
    flag_key: id,
    variant_key: id,
    user_key: id,
    eventId: id,
    timestamp,
  },
} as const;
