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

/** An environment name, as the core's records take it (letters, digits, `_`, `-`). */
const environment = { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } as const;
/** An exposure's dimensions (see requireDimensions of @assay/core, which the record is checked with too). */
const dimensions = {
  type: "object",
  maxProperties: 8,
  propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_-]{0,63}$" },
  additionalProperties: { type: "string", minLength: 1, maxLength: 256 },
} as const;
/** An experiment's phase: its manifest `version`. */
const phase = { type: "integer", minimum: 1, maximum: 2_147_483_647 } as const;

/**
 * `{ experiment, variantId, userId | sessionId, eventId?, timestamp?, environment?, phase?, manifestVersion?,
 * dimensions? }`: the core's ExposureRecord. Environment and phase default to the server's and the experiment's
 * current one. `dimensions`: `{ country: "DE" }`, the values of the experiment's declared dimensions (the core's
 * rules: at most 8, dimension names, string values of 1 to 256 characters).
 */
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
    environment,
    phase,
    manifestVersion: { type: "string", pattern: "^[a-z0-9]{1,16}:[0-9a-f]{8,64}$" },
    dimensions,
  },
} as const;

/**
 * `{ experiment, metric, value, userId | sessionId, eventId?, timestamp?, environment?, phase? }`: the core's
 * OutcomeRecord, with the same defaults.
 */
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
    environment,
    phase,
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
