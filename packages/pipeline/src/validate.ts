import { describe, InvalidContextError, requireId, requireTimestamp, type StoredEvent } from "@assay/core";

/**
 * Refuses a malformed stored event before it is queued, so one bad record can never hold up (or fail) the
 * commits of others: ids are strings every store keeps as given (see requireId: non-empty, at most
 * MAX_ID_LENGTH characters, no NUL, no unpaired surrogate), the timestamp a valid Date from 1970 on (see
 * requireTimestamp), numbers finite, counts integers.
 */
export function validateStoredEvent(event: unknown): asserts event is StoredEvent {
  if (typeof event !== "object" || event === null) {
    throw new InvalidContextError(`an event must be an object, got ${describe(event)}`);
  }
  const e = event as Record<string, unknown>;
  const what = typeof e.type === "string" ? e.type : "event";
  requireId(e.eventId, what, "eventId");
  requireId(e.experiment, what, "experiment");
  requireTimestamp(e.timestamp, what, "timestamp");
  if (e.userId === undefined && e.sessionId === undefined) {
    throw new InvalidContextError(`${what} needs a userId or a sessionId`);
  }
  if (e.userId !== undefined) requireId(e.userId, what, "userId");
  if (e.sessionId !== undefined) requireId(e.sessionId, what, "sessionId");
  if (e.type === "exposure") {
    requireId(e.variantId, "exposure.variantId");
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
}
