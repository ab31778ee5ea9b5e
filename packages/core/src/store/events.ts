import { toOutcomeValue } from "../records/outcome-value.js";
import type { ExposureRecord, OutcomeRecord } from "../records/records.js";
import type { ExposureEvent, OutcomeEvent } from "./event-store.js";
import { uuidv7 } from "./uuidv7.js";

/** The stored form of an exposure; keeps the caller's eventId or makes a UUIDv7. */
export function exposureEvent(record: ExposureRecord): ExposureEvent {
  return {
    type: "exposure",
    eventId: record.eventId ?? uuidv7(),
    experiment: record.experiment,
    variantId: record.variantId,
    ...(record.userId !== undefined ? { userId: record.userId } : {}),
    ...(record.sessionId !== undefined ? { sessionId: record.sessionId } : {}),
    timestamp: record.timestamp,
  };
}

/** The stored form of an outcome; keeps the caller's eventId or makes a UUIDv7. */
export function outcomeEvent(record: OutcomeRecord): OutcomeEvent {
  return {
    type: "outcome",
    eventId: record.eventId ?? uuidv7(),
    experiment: record.experiment,
    metric: record.metric,
    value: toOutcomeValue(record.value),
    ...(record.userId !== undefined ? { userId: record.userId } : {}),
    ...(record.sessionId !== undefined ? { sessionId: record.sessionId } : {}),
    timestamp: record.timestamp,
  };
}
