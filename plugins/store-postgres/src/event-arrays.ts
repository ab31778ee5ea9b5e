import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_PHASE,
  type EventPack,
  encodeDimensions,
  type StoredEvent,
} from "@assay/core";

/** An event's code: an exposure, or an outcome by the kind of its value (the `code` parameter of the insert). */
export const CODE_EXPOSURE = 0;
export const CODE_BOOL = 1;
export const CODE_NUMERIC = 2;
export const CODE_COUNT = 3;

/**
 * Events as the columns of the insert, one array per column (the PostgreSQL store's EventPack): the pipeline
 * fills one as records arrive, so the event objects die young. A variant or metric shares one `names` column,
 * told apart by the code, so eight arrays travel instead of ten. `parameters()` writes each array as a
 * PostgreSQL array literal (see textArray, numberArray) and leaves the pack as it is, so a failed commit can be sent again.
 */
export class EventArrays implements EventPack {
  size = 0;
  private readonly ids: string[] = [];
  private readonly experiments: string[] = [];
  private readonly codes: number[] = [];
  private readonly names: string[] = [];
  private readonly values: Array<number | null> = [];
  private readonly users: Array<string | null> = [];
  private readonly sessions: Array<string | null> = [];
  private readonly times: number[] = [];
  private readonly environments: string[] = [];
  private readonly phases: number[] = [];
  private readonly manifestVersions: Array<string | null> = [];
  private readonly dimensions: Array<string | null> = [];

  add(e: StoredEvent): void {
    this.ids.push(e.eventId);
    this.experiments.push(e.experiment);
    if (e.type === "exposure") {
      this.codes.push(CODE_EXPOSURE);
      this.names.push(e.variantId);
      this.values.push(null);
    } else {
      const v = e.value;
      this.codes.push(v.kind === "bool" ? CODE_BOOL : v.kind === "numeric" ? CODE_NUMERIC : CODE_COUNT);
      this.names.push(e.metric);
      this.values.push(v.kind === "bool" ? (v.value ? 1 : 0) : v.value);
    }
    this.users.push(e.userId ?? null);
    this.sessions.push(e.sessionId ?? null);
    this.times.push(e.timestamp.getTime());
    this.environments.push(e.environment ?? DEFAULT_ENVIRONMENT);
    this.phases.push(e.phase ?? DEFAULT_PHASE);
    this.manifestVersions.push(e.type === "exposure" ? (e.manifestVersion ?? null) : null);
    this.dimensions.push(e.type === "exposure" ? (encodeDimensions(e.dimensions) ?? null) : null);
    this.size++;
  }

  /** $1..$12 of the insert (see insertFromArrays). */
  parameters(): string[] {
    return [
      textArray(this.ids),
      textArray(this.experiments),
      numberArray(this.codes),
      textArray(this.names),
      numberArray(this.values),
      textArray(this.users),
      textArray(this.sessions),
      numberArray(this.times),
      textArray(this.environments),
      numberArray(this.phases),
      textArray(this.manifestVersions),
      textArray(this.dimensions),
    ];
  }
}

/**
 * The insert's rows from the twelve arrays of EventArrays.parameters(), in event-id order: two commits in flight
 * that share ids (a retried event) then take the unique index's locks in the same order, so they wait for each
 * other instead of deadlocking (which PostgreSQL detects only after deadlock_timeout, 1 s, and then aborts one).
 */
export function insertFromArrays(schema: string): string {
  return `INSERT INTO ${schema}.events
      (event_id, experiment, type, variant_id, metric, kind, value, user_id, session_id, ts, environment, phase,
       manifest_version, dimensions)
    SELECT e.id, e.experiment, CASE WHEN e.code = ${CODE_EXPOSURE} THEN 0 ELSE 1 END,
           CASE WHEN e.code = ${CODE_EXPOSURE} THEN e.name END, CASE WHEN e.code <> ${CODE_EXPOSURE} THEN e.name END,
           CASE e.code WHEN ${CODE_BOOL} THEN 'bool' WHEN ${CODE_NUMERIC} THEN 'numeric' WHEN ${CODE_COUNT} THEN 'count' END,
           e.value, e.user_id, e.session_id, e.ts, e.environment, e.phase, e.manifest_version, e.dimensions
    FROM unnest($1::text[], $2::text[], $3::int2[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::int8[],
                $9::text[], $10::int4[], $11::text[], $12::text[])
      AS e(id, experiment, code, name, value, user_id, session_id, ts, environment, phase, manifest_version,
           dimensions)
    ORDER BY e.id COLLATE "C"
    ON CONFLICT (event_id) DO NOTHING`;
}

const ESCAPED = /["\\]/;
const ESCAPED_ALL = /["\\]/g;

/**
 * A PostgreSQL array literal of texts: every element double-quoted, `"` and `\` escaped, NULL bare. The common
 * case (no element to escape, and no NULL or all NULL) is one join, written as one flat string: pg's
 * own serializer ran two regular-expression replacements per element and concatenated the literal piece by
 * piece, which cost more of the app's thread than the rest of an append.
 */
export function textArray(values: readonly (string | null)[]): string {
  let nulls = 0;
  let escapes = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string | null;
    if (v === null) nulls++;
    else if (ESCAPED.test(v)) escapes++;
  }
  if (values.length === 0) return "{}";
  if (nulls === values.length) return `{${new Array(nulls).fill("NULL").join(",")}}`;
  if (nulls === 0 && escapes === 0) return `{"${values.join('","')}"}`;
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string | null;
    parts[i] = v === null ? "NULL" : `"${v.replace(ESCAPED_ALL, "\\$&")}"`;
  }
  return `{${parts.join(",")}}`;
}

/** A PostgreSQL array literal of finite numbers (JavaScript's shortest round-trip form), NULL bare. */
export function numberArray(values: readonly (number | null)[]): string {
  if (!values.includes(null)) return `{${values.join(",")}}`;
  return `{${values.map((v) => (v === null ? "NULL" : String(v))).join(",")}}`;
}
