import { toOutcomeValue } from "../records/outcome-value.js";
import type { ExposureRecord, OutcomeRecord } from "../records/records.js";
import type { ExposureEvent, OutcomeEvent } from "./event-store.js";
import { uuidv7 } from "./uuidv7.js";

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The stored form of an exposure; keeps the caller's eventId or makes a UUIDv7. Optional fields are set
 * only when present (assigned, not spread: on the record path each spread of a conditional literal is an
 * object made and thrown away).
 */
export function exposureEvent(record: ExposureRecord): ExposureEvent {
  const event: Writable<ExposureEvent> = {
    type: "exposure",
    eventId: record.eventId ?? uuidv7(),
    experiment: record.experiment,
    variantId: record.variantId,
    timestamp: record.timestamp,
  };
  if (record.userId !== undefined) event.userId = record.userId;
  if (record.sessionId !== undefined) event.sessionId = record.sessionId;
  if (record.manifestVersion !== undefined) event.manifestVersion = record.manifestVersion;
  if (record.phase !== undefined) event.phase = record.phase;
  if (record.environment !== undefined) event.environment = record.environment;
  if (record.dimensions !== undefined) event.dimensions = record.dimensions;
  return event;
}

/** The stored form of an outcome; keeps the caller's eventId or makes a UUIDv7. */
export function outcomeEvent(record: OutcomeRecord): OutcomeEvent {
  const event: Writable<OutcomeEvent> = {
    type: "outcome",
    eventId: record.eventId ?? uuidv7(),
    experiment: record.experiment,
    metric: record.metric,
    value: toOutcomeValue(record.value),
    timestamp: record.timestamp,
  };
  if (record.userId !== undefined) event.userId = record.userId;
  if (record.sessionId !== undefined) event.sessionId = record.sessionId;
  if (record.phase !== undefined) event.phase = record.phase;
  if (record.environment !== undefined) event.environment = record.environment;
  return event;
}
