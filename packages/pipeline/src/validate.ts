import {
  DEFAULT_TIMESTAMP_WINDOW,
  describe,
  InvalidContextError,
  MAX_OUTCOME_MAGNITUDE,
  requireDimensions,
  requireEnvironment,
  requireId,
  requirePhase,
  requireTimestamp,
  type StoredEvent,
  type TimestampWindow,
} from "@assay/core";

let lastEnvironment: string | undefined;

/**
 * Refuses a malformed stored event before it is queued, so one bad record can never hold up (or fail) the
 * commits of others: ids are strings every store keeps as given (see requireId: non-empty, at most
 * MAX_ID_LENGTH characters, no NUL, no unpaired surrogate), the timestamp a valid Date within `window` around
 * now (see requireTimestamp; default −10 years … +1 day; `now`, a recent clock reading, saves reading it per
 * event), numbers finite and counts integers, both within
 * ±MAX_OUTCOME_MAGNITUDE (1e15), so the store's sums of squares stay finite.
 */
export function validateStoredEvent(
  event: unknown,
  window: TimestampWindow = DEFAULT_TIMESTAMP_WINDOW,
  now?: number,
): asserts event is StoredEvent {
  if (typeof event !== "object" || event === null) {
    throw new InvalidContextError(`an event must be an object, got ${describe(event)}`);
  }
  const e = event as Record<string, unknown>;
  const what = typeof e.type === "string" ? e.type : "event";
  requireId(e.eventId, what, "eventId");
  requireId(e.experiment, what, "experiment");
  requireTimestamp(e.timestamp, what, "timestamp", window, now);
  if (e.userId === undefined && e.sessionId === undefined) {
    throw new InvalidContextError(`${what} needs a userId or a sessionId`);
  }
  if (e.userId !== undefined) requireId(e.userId, what, "userId");
  if (e.sessionId !== undefined) requireId(e.sessionId, what, "sessionId");
  // A process records under one environment: the last name checked is remembered, so the regular expression
  // runs once, not per event.
  if (e.environment !== undefined && e.environment !== lastEnvironment) {
    requireEnvironment(e.environment, `${what}.environment`);
    lastEnvironment = e.environment as string;
  }
  if (e.phase !== undefined && e.phase !== 1) requirePhase(e.phase, `${what}.phase`);
  if (e.type === "exposure") {
    requireId(e.variantId, "exposure.variantId");
    if (e.manifestVersion !== undefined) requireId(e.manifestVersion, "exposure.manifestVersion");
    if (e.dimensions !== undefined) requireDimensions(e.dimensions, "exposure.dimensions");
    return;
  }
  if (e.type !== "outcome")
    throw new InvalidContextError(`event type must be "exposure" or "outcome", got ${describe(e.type)}`);
  requireId(e.metric, "outcome.metric");
  const value = e.value as { kind?: unknown; value?: unknown } | null;
  const kind = value?.kind;
  const v = value?.value;
  const ok =
    kind === "bool"
      ? typeof v === "boolean"
      : kind === "numeric"
        ? typeof v === "number" && Number.isFinite(v)
        : kind === "count"
          ? typeof v === "number" && Number.isSafeInteger(v)
          : false;
  if (!ok) {
    throw new InvalidContextError(
      `outcome.value must be a bool, a finite numeric or an integer count, got ${describe(value)}`,
    );
  }
  if (kind !== "bool" && Math.abs(v as number) > MAX_OUTCOME_MAGNITUDE) {
    throw new InvalidContextError(
      `outcome.value must be between -1e15 and 1e15 (MAX_OUTCOME_MAGNITUDE: a store's sum of squares must stay finite), got ${kind} ${v as number}`,
    );
  }
}
