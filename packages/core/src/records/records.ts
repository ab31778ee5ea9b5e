import { describe } from "../context/experiment-context.js";
import { InvalidContextError } from "../errors/experiment-error.js";
import { type OutcomeValue, toOutcomeValue } from "./outcome-value.js";

/** "Unit U was shown variant V of experiment X at time T": the denominator of every result. */
export interface ExposureRecord {
  readonly experiment: string;
  readonly variantId: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly timestamp: Date;
  /** Idempotency key: a record with an id already stored is ignored. Made by the client when absent. */
  readonly eventId?: string;
}

/** "Unit U did metric M with value V at time T": the numerator. */
export interface OutcomeRecord {
  readonly experiment: string;
  readonly metric: string;
  readonly value: OutcomeValue;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly timestamp: Date;
  readonly eventId?: string;
}

/** Throws INVALID_CONTEXT unless `record` is a well-formed exposure. */
export function validateExposure(record: unknown): ExposureRecord {
  const r = requireObject(record, "exposure");
  requireId(r.experiment, "exposure.experiment");
  requireId(r.variantId, "exposure.variantId");
  validateUnitAndTime(r, "exposure");
  return record as ExposureRecord;
}

/** Throws INVALID_CONTEXT unless `record` is a well-formed outcome; normalizes nothing. */
export function validateOutcome(record: unknown): OutcomeRecord {
  const r = requireObject(record, "outcome");
  requireId(r.experiment, "outcome.experiment");
  requireId(r.metric, "outcome.metric");
  toOutcomeValue(r.value);
  validateUnitAndTime(r, "outcome");
  return record as OutcomeRecord;
}

function validateUnitAndTime(r: Record<string, unknown>, what: string): void {
  if (r.userId !== undefined) requireId(r.userId, `${what}.userId`);
  if (r.sessionId !== undefined) requireId(r.sessionId, `${what}.sessionId`);
  if (r.userId === undefined && r.sessionId === undefined) {
    throw new InvalidContextError(`${what} needs a userId or a sessionId to attribute it to a unit`);
  }
  if (!(r.timestamp instanceof Date) || Number.isNaN(r.timestamp.getTime())) {
    throw new InvalidContextError(`${what}.timestamp must be a valid Date, got ${describe(r.timestamp)}`);
  }
  if (r.eventId !== undefined) requireId(r.eventId, `${what}.eventId`);
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null)
    throw new InvalidContextError(`${what} must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** A non-empty string id. */
export function requireId(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string")
    throw new InvalidContextError(`${what} must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new InvalidContextError(`${what} must not be empty`);
}
