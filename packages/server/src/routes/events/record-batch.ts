import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_TIMESTAMP_WINDOW,
  type ExperimentDefinition,
  exposureEvent,
  outcomeEvent,
  requireDimensions,
  requireId,
  requireTimestamp,
  type StoredEvent,
  toOutcomeValue,
} from "@assay/core";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { EXPOSURE_SCHEMA, OUTCOME_SCHEMA, TRACK_SCHEMA } from "./schemas.js";

/** Most records in one request. A bigger batch is refused whole (400), before any record is looked at. */
export const MAX_BATCH = 1000;

/** One thing wrong with one record of a request: which record (0 for a single one), which field, why. */
export interface RecordProblem {
  readonly index: number;
  /** The field, dotted for nested ones (`value.kind`); `""` when the record as a whole is wrong. */
  readonly field: string;
  readonly message: string;
}

/** The three record shapes the ingest routes take. */
export type RecordKind = "exposure" | "outcome" | "track";

/** Either the batch, ready for the store, or every problem of every record (then nothing is written). */
export type BatchResult =
  | { readonly ok: true; readonly events: StoredEvent[] }
  | { readonly ok: false; readonly problems: RecordProblem[] };

// strictRequired off: the anyOf of `required: ["userId"]` and `["sessionId"]` names properties declared beside it.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validators: Record<RecordKind, ValidateFunction> = {
  exposure: ajv.compile(EXPOSURE_SCHEMA),
  outcome: ajv.compile(OUTCOME_SCHEMA),
  track: ajv.compile(TRACK_SCHEMA),
};

/** A problem list is cut here: a batch of 1,000 bad records should not answer with a megabyte of errors. */
const MAX_PROBLEMS = 200;

/**
 * Turns a request body (one record, or an array of up to MAX_BATCH) into stored events. All or nothing:
 * every record is checked, by the JSON schema first and then by the core's record rules (ids without NUL
 * or unpaired surrogates, at most 256 characters; timestamps inside the default window; values within
 * ±1e15; the experiment and variant declared in the manifest), and one bad record refuses the whole batch,
 * so a client never has to work out which half was written.
 */
export function recordBatch(
  kind: RecordKind,
  body: unknown,
  experiments: readonly ExperimentDefinition[],
  environment: string = DEFAULT_ENVIRONMENT,
  now: number = Date.now(),
): BatchResult {
  const records = Array.isArray(body) ? body : [body];
  if (records.length === 0) {
    return {
      ok: false,
      problems: [{ index: 0, field: "", message: "the batch is empty: send 1 to 1000 records" }],
    };
  }
  if (records.length > MAX_BATCH) {
    return {
      ok: false,
      problems: [
        {
          index: MAX_BATCH,
          field: "",
          message: `a batch holds at most ${MAX_BATCH} records, got ${records.length}; split it`,
        },
      ],
    };
  }
  const declared = new Map(experiments.map((e) => [e.id, e]));
  const problems: RecordProblem[] = [];
  const events: StoredEvent[] = [];
  for (let index = 0; index < records.length && problems.length < MAX_PROBLEMS; index++) {
    const record: unknown = records[index];
    const validate = validators[kind];
    if (!validate(record)) {
      problems.push(...schemaProblems(kind, index, validate.errors ?? []));
      continue;
    }
    const found: RecordProblem[] = [];
    const event = toStoredEvent(
      kind,
      record as Record<string, unknown>,
      declared,
      environment,
      now,
      (field, message) => found.push({ index, field, message }),
    );
    if (found.length > 0) problems.push(...found);
    else if (event !== undefined) events.push(event);
  }
  return problems.length > 0
    ? { ok: false, problems: problems.slice(0, MAX_PROBLEMS) }
    : { ok: true, events };
}

type Report = (field: string, message: string) => void;

/** The core's checks, field by field, then the stored form (an eventId made when the record has none). */
function toStoredEvent(
  kind: RecordKind,
  r: Record<string, unknown>,
  declared: ReadonlyMap<string, ExperimentDefinition>,
  environment: string,
  now: number,
  report: Report,
): StoredEvent | undefined {
  const what = kind === "outcome" ? "outcome" : "exposure";
  const names =
    kind === "track"
      ? { experiment: "flag_key", variantId: "variant_key", userId: "user_key" }
      : { experiment: "experiment", variantId: "variantId", userId: "userId" };
  const fields: Record<string, unknown> = {
    experiment: r[names.experiment],
    variantId: r[names.variantId],
    userId: r[names.userId],
    sessionId: r.sessionId,
    metric: r.metric,
    eventId: r.eventId,
  };
  const check = (field: string, shown: string) => {
    const value = fields[field];
    if (value === undefined) return;
    try {
      requireId(value, what, shown);
    } catch (error) {
      report(shown, (error as Error).message);
    }
  };
  check("experiment", names.experiment);
  if (kind === "outcome") check("metric", "metric");
  else check("variantId", names.variantId);
  check("userId", names.userId);
  check("sessionId", "sessionId");
  check("eventId", "eventId");
  const timestamp = timestampOf(r.timestamp, what, now, report);
  let value: ReturnType<typeof toOutcomeValue> | undefined;
  if (kind === "outcome") {
    try {
      value = toOutcomeValue(r.value);
    } catch (error) {
      report("value", (error as Error).message);
    }
  }
  if (kind !== "outcome" && r.dimensions !== undefined) {
    try {
      requireDimensions(r.dimensions, `${what}.dimensions`);
    } catch (error) {
      report("dimensions", (error as Error).message);
    }
  }
  const experiment = fields.experiment as string;
  const definition = declared.get(experiment);
  if (definition === undefined) {
    report(names.experiment, `no experiment ${JSON.stringify(experiment)} is declared in the manifest`);
  } else if (kind !== "outcome" && !definition.variants.some((v) => v.id === fields.variantId)) {
    report(
      names.variantId,
      `experiment ${JSON.stringify(experiment)} has no variant ${JSON.stringify(fields.variantId)}; its variants: ${definition.variants.map((v) => v.id).join(", ")}`,
    );
  }
  if (timestamp === undefined) return undefined;
  const unit = {
    ...(fields.userId === undefined ? {} : { userId: fields.userId as string }),
    ...(fields.sessionId === undefined ? {} : { sessionId: fields.sessionId as string }),
    ...(fields.eventId === undefined ? {} : { eventId: fields.eventId as string }),
    // where and in which phase: the record's own, else the server's environment and the experiment's phase
    environment: typeof r.environment === "string" ? r.environment : environment,
    phase: typeof r.phase === "number" ? r.phase : (definition?.phase ?? 1),
  };
  if (kind === "outcome") {
    if (value === undefined) return undefined;
    return outcomeEvent({ experiment, metric: fields.metric as string, value, timestamp, ...unit });
  }
  return exposureEvent({
    experiment,
    variantId: fields.variantId as string,
    timestamp,
    ...unit,
    ...(typeof r.manifestVersion === "string" ? { manifestVersion: r.manifestVersion } : {}),
    ...(r.dimensions === undefined ? {} : { dimensions: r.dimensions as Record<string, string> }),
  });
}

/** ISO 8601 with a date, a time and a zone (`Z` or `±hh:mm`): a zone-less time would be read in the server's. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function timestampOf(raw: unknown, what: string, now: number, report: Report): Date | undefined {
  if (raw === undefined) return new Date(now);
  if (typeof raw === "string" && !ISO_8601.test(raw)) {
    report(
      "timestamp",
      `${what}.timestamp must be an ISO 8601 date-time with a zone (2026-12-02T17:00:00Z) or Unix milliseconds, got ${JSON.stringify(raw.slice(0, 64))}`,
    );
    return undefined;
  }
  const date = new Date(raw as string | number);
  try {
    requireTimestamp(date, what, "timestamp", DEFAULT_TIMESTAMP_WINDOW, now);
    return date;
  } catch (error) {
    report("timestamp", (error as Error).message);
    return undefined;
  }
}

/** Ajv's errors as problems: one per field, the branches of an `anyOf` folded into one sentence. */
function schemaProblems(kind: RecordKind, index: number, errors: readonly ErrorObject[]): RecordProblem[] {
  const problems: RecordProblem[] = [];
  const seen = new Set<string>();
  const add = (field: string, message: string) => {
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ index, field, message });
  };
  for (const error of errors) {
    const path = error.instancePath
      .split("/")
      .filter((p) => p !== "")
      .join(".");
    const branch = error.schemaPath.includes("/anyOf/");
    if (error.keyword === "anyOf") {
      if (path === "") add("userId", `a ${kind} record needs a userId or a sessionId`);
      else if (path === "timestamp")
        add(path, "must be an ISO 8601 date-time string or Unix milliseconds (a non-negative integer)");
      else if (path === "value")
        add(path, 'must be true/false, a number, or { "kind": "bool" | "numeric" | "count", "value": … }');
      else add(path, error.message ?? "is not valid");
      continue;
    }
    if (branch) continue; // the anyOf error above says it in one sentence
    if (error.keyword === "additionalProperties") {
      const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      add(path === "" ? name : `${path}.${name}`, `unknown field ${JSON.stringify(name)}`);
    } else if (error.keyword === "required") {
      const name = String((error.params as { missingProperty?: unknown }).missingProperty);
      add(path === "" ? name : `${path}.${name}`, "is required");
    } else if (error.keyword === "type" && path === "") {
      add("", `a record must be a JSON object, ${error.message ?? ""}`.trim());
    } else {
      add(path, error.message ?? "is not valid");
    }
  }
  return problems;
}
