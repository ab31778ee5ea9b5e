import { DEFAULT_ENVIRONMENT, DEFAULT_PHASE, encodeDimensions, type StoredEvent } from "@assay/core";

/** The formats `GET /v1/export` writes. */
export type ExportFormat = "ndjson" | "csv";

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8; header=present",
};

/** The CSV columns, in order; NDJSON objects carry the same fields, camelCase, the absent ones left out. */
export const CSV_HEADER =
  "event_id,type,experiment,variant_id,metric,kind,value,user_id,session_id,timestamp,environment,phase,manifest_version,dimensions";

/** One event as one NDJSON line (no newline). */
export function ndjsonLine(event: StoredEvent): string {
  const unit = {
    ...(event.userId === undefined ? {} : { userId: event.userId }),
    ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
  };
  const timestamp = event.timestamp.toISOString();
  // written out, defaults included: a warehouse table wants the column filled
  const environment = event.environment ?? DEFAULT_ENVIRONMENT;
  const phase = event.phase ?? DEFAULT_PHASE;
  if (event.type === "exposure") {
    return JSON.stringify({
      eventId: event.eventId,
      type: "exposure",
      experiment: event.experiment,
      variantId: event.variantId,
      ...unit,
      timestamp,
      environment,
      phase,
      ...(event.manifestVersion === undefined ? {} : { manifestVersion: event.manifestVersion }),
      ...(event.dimensions === undefined ? {} : { dimensions: event.dimensions }),
    });
  }
  return JSON.stringify({
    eventId: event.eventId,
    type: "outcome",
    experiment: event.experiment,
    metric: event.metric,
    kind: event.value.kind,
    value: event.value.value,
    ...unit,
    timestamp,
    environment,
    phase,
  });
}

/** One event as one CSV record (RFC 4180; no newline); empty cells for fields the event does not have. */
export function csvLine(event: StoredEvent): string {
  const exposure = event.type === "exposure";
  return [
    event.eventId,
    event.type,
    event.experiment,
    exposure ? event.variantId : "",
    exposure ? "" : event.metric,
    exposure ? "" : event.value.kind,
    exposure ? "" : String(event.value.value),
    event.userId ?? "",
    event.sessionId ?? "",
    event.timestamp.toISOString(),
    event.environment ?? DEFAULT_ENVIRONMENT,
    String(event.phase ?? DEFAULT_PHASE),
    exposure ? (event.manifestVersion ?? "") : "",
    // the exposure's dimensions as one JSON object (keys sorted), as the stores keep them
    exposure ? (encodeDimensions(event.dimensions) ?? "") : "",
  ]
    .map((cell, column) => csvCell(column === VALUE_COLUMN ? cell : defuseFormula(cell)))
    .join(",");
}

/** The value column: a number or a boolean the store wrote, never text a user chose. */
const VALUE_COLUMN = 6;

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return first: an id
 * such as `=HYPERLINK(...)` sent to the ingest routes by anyone with an ingest key) gets a leading `'`, as
 * OWASP's CSV-injection advice says, so opening the export runs nothing. The NDJSON export stays exact.
 */
function defuseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Quoted when it holds a comma, a quote or a line break (ids may hold any of them), quotes doubled. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Lines joined into chunks of this many, so a page is streamed in pieces rather than built as one string. */
const LINES_PER_CHUNK = 500;

/** The page as text chunks: the CSV header first, then the events, each line ending in `\n`. */
export function* exportChunks(events: readonly StoredEvent[], format: ExportFormat): Generator<string> {
  if (format === "csv") yield `${CSV_HEADER}\n`;
  const line = format === "csv" ? csvLine : ndjsonLine;
  for (let i = 0; i < events.length; i += LINES_PER_CHUNK) {
    let chunk = "";
    const end = Math.min(events.length, i + LINES_PER_CHUNK);
    for (let j = i; j < end; j++) chunk += `${line(events[j]!)}\n`;
    yield chunk;
  }
}
