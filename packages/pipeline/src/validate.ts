import { describe, InvalidContextError, type StoredEvent } from "@assay/core";

/**
 * Refuses a malformed stored event before it is queued, so one bad record can never hold up (or fail) the
 * commits of others: ids are non-empty strings, the timestamp a valid Date, numbers finite, counts integers.
 */
export function validateStoredEvent(event: unknown): asserts event is StoredEvent {
  if (typeof event !== "object" || event === null) {
    throw new InvalidContextError(`an event must be an object, got ${describe(event)}`);
  }
  const e = event as Record<string, unknown>;
  const what = typeof e.type === "string" ? e.type : "event";
  for (const key of ["eventId", "experiment"] as const) {
    if (typeof e[key] !== "string" || (e[key] as string).length === 0)
      throw new InvalidContextError(`${what}.${key} must be a non-empty string, got ${describe(e[key])}`);
  }
  if (!(e.timestamp instanceof Date) || Number.isNaN(e.timestamp.getTime())) {
    throw new InvalidContextError(`${what}.timestamp must be a valid Date, got ${describe(e.timestamp)}`);
  }
  if (e.userId === undefined && e.sessionId === undefined) {
    throw new InvalidContextError(`${what} needs a userId or a sessionId`);
  }
  if (e.type === "exposure") {
    if (typeof e.variantId !== "string" || e.variantId.length === 0)
      throw new InvalidContextError(
        `exposure.variantId must be a non-empty string, got ${describe(e.variantId)}`,
      );
    return;
  }
  if (e.type !== "outcome")
    throw new InvalidContextError(`event type must be "exposure" or "outcome", got ${describe(e.type)}`);
  if (typeof e.metric !== "string" || e.metric.length === 0)
    throw new InvalidContextError(`outcome.metric must be a non-empty string, got ${describe(e.metric)}`);
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
