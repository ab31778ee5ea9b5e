import { describe } from "../context/experiment-context.js";
import { InvalidContextError } from "../errors/experiment-error.js";
import { requireDimensions } from "./dimensions.js";
import type { TimestampWindow } from "./limits.js";
import { type OutcomeValue, toOutcomeValue } from "./outcome-value.js";
import { requireEnvironment, requirePhase } from "./segment.js";

/** "Unit U was shown variant V of experiment X at time T": the denominator of every result. */
export interface ExposureRecord {
  readonly experiment: string;
  readonly variantId: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly timestamp: Date;
  /** Idempotency key: a record with an id already stored is ignored. Made by the client when absent. */
  readonly eventId?: string;
  /**
   * The content hash of the manifest the unit was assigned under (`sha256:` + 16 hex digits), set by the
   * runtime's client; kept by the stores, so a report can tell which manifest versions a phase ran under.
   */
  readonly manifestVersion?: string;
  /**
   * The experiment's phase (its manifest `version`, 1 when not written) under that manifest, set with it.
   * Results are computed per phase: a summary never pools two phases. Default DEFAULT_PHASE.
   */
  readonly phase?: number;
  /**
   * Where the record was made (`ASSAY_ENV`: "staging", "production"), so environments sharing one store
   * never mix in a summary. Default DEFAULT_ENVIRONMENT ("default").
   */
  readonly environment?: string;
  /**
   * The values of the dimensions the experiment declares (`dimensions = ["country"]` in the manifest), as the
   * runtime read them from the assignment context's attributes: at most MAX_DIMENSIONS entries, string values
   * of at most MAX_DIMENSION_VALUE_LENGTH characters. A unit's breakdown slice is its first exposure's.
   */
  readonly dimensions?: Readonly<Record<string, string>>;
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
  /**
   * The phase of the experiment the outcome belongs to: the runtime's client sets the experiment's current
   * phase, so an outcome recorded after a re-randomization counts in the new phase, not the old one.
   * Default DEFAULT_PHASE.
   */
  readonly phase?: number;
  /** Where the record was made, as on an exposure. Default DEFAULT_ENVIRONMENT. */
  readonly environment?: string;
}

/** What the runtime writes as `manifestVersion`: an algorithm name and a hex digest. */
const MANIFEST_VERSION = /^[a-z0-9]{1,16}:[0-9a-f]{8,64}$/;

/** Throws INVALID_CONTEXT unless `record` is a well-formed exposure. */
export function validateExposure(record: unknown): ExposureRecord {
  const r = requireObject(record, "exposure");
  requireId(r.experiment, "exposure.experiment");
  requireId(r.variantId, "exposure.variantId");
  validateUnitAndTime(r, "exposure");
  if (
    r.manifestVersion !== undefined &&
    (typeof r.manifestVersion !== "string" || !MANIFEST_VERSION.test(r.manifestVersion))
  ) {
    throw new InvalidContextError(
      `exposure.manifestVersion must be a manifest content hash like "sha256:0123456789abcdef", got ${describe(r.manifestVersion)}`,
    );
  }
  requirePhase(r.phase, "exposure.phase");
  requireEnvironment(r.environment, "exposure.environment");
  requireDimensions(r.dimensions, "exposure.dimensions");
  return record as ExposureRecord;
}

/** Throws INVALID_CONTEXT unless `record` is a well-formed outcome; normalizes nothing. */
export function validateOutcome(record: unknown): OutcomeRecord {
  const r = requireObject(record, "outcome");
  requireId(r.experiment, "outcome.experiment");
  requireId(r.metric, "outcome.metric");
  toOutcomeValue(r.value);
  validateUnitAndTime(r, "outcome");
  requirePhase(r.phase, "outcome.phase");
  requireEnvironment(r.environment, "outcome.environment");
  return record as OutcomeRecord;
}

function validateUnitAndTime(r: Record<string, unknown>, what: string): void {
  if (r.userId !== undefined) requireId(r.userId, what, "userId");
  if (r.sessionId !== undefined) requireId(r.sessionId, what, "sessionId");
  if (r.userId === undefined && r.sessionId === undefined) {
    throw new InvalidContextError(`${what} needs a userId or a sessionId to attribute it to a unit`);
  }
  requireTimestamp(r.timestamp, what, "timestamp");
  if (r.eventId !== undefined) requireId(r.eventId, what, "eventId");
}

/**
 * The name of a checked value in an error: `what`, or `what.field`. Joined only when an error is thrown, so
 * the record path builds no string per call.
 */
function nameOf(what: string, field: string | undefined): string {
  return field === undefined ? what : `${what}.${field}`;
}

/**
 * A valid Date at or after 1970-01-01T00:00:00Z and, when a window is given, within it around now (`now`
 * when given, a recent reading of Date.now(); see TimestampWindow; the pipeline checks every event against its window, by default DEFAULT_TIMESTAMP_WINDOW).
 * A date before 1970 is almost always a missing value turned into a date, and the stores put days of negative
 * times apart from the reference (SQL integer division truncates toward zero, the reference floors), so it is
 * refused rather than miscounted.
 */
export function requireTimestamp(
  value: unknown,
  what: string,
  field?: string,
  window?: TimestampWindow,
  now?: number,
): asserts value is Date {
  if (!(value instanceof Date)) throw badTimestamp(value, what, field);
  const time = value.getTime();
  if (Number.isNaN(time)) throw badTimestamp(value, what, field);
  if (time < 0)
    throw new InvalidContextError(
      `${nameOf(what, field)} must be at or after 1970-01-01T00:00:00Z, got ${value.toISOString()}`,
    );
  if (window === undefined) return;
  // `now` may be a clock read once for a burst of records (Date.now() costs about 200 ns on some VMs, more
  // than the rest of the check): a time the window refuses is checked again against the clock itself, so
  // only the lower edge can be lenient, by how stale `now` is (the pipeline's: one synchronous stretch).
  if (now !== undefined && time >= now - window.maxAgeMs && time <= now + window.maxAheadMs) return;
  const clock = Date.now();
  if (time < clock - window.maxAgeMs || time > clock + window.maxAheadMs)
    throw outsideWindow(value, clock, window, nameOf(what, field));
}

function badTimestamp(value: unknown, what: string, field: string | undefined): InvalidContextError {
  return new InvalidContextError(`${nameOf(what, field)} must be a valid Date, got ${describe(value)}`);
}

function outsideWindow(value: Date, now: number, window: TimestampWindow, name: string): InvalidContextError {
  const earliest = new Date(Math.max(0, now - window.maxAgeMs)).toISOString();
  const latest = new Date(Math.min(8.64e15, now + window.maxAheadMs)).toISOString();
  return new InvalidContextError(
    `${name} must be between ${earliest} and ${latest} (${formatSpan(window.maxAgeMs)} before now to ${formatSpan(window.maxAheadMs)} after; the pipeline's timestampWindow option), got ${value.toISOString()}`,
  );
}

/** A window bound as people say it: "10 years", "1 day", "90 minutes". */
function formatSpan(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return "any time";
  const day = 86_400_000;
  if (ms >= 365.25 * day && Number.isInteger(ms / (365.25 * day))) return plural(ms / (365.25 * day), "year");
  if (ms >= day && Number.isInteger(ms / day)) return plural(ms / day, "day");
  if (ms >= 60_000 && Number.isInteger(ms / 60_000)) return plural(ms / 60_000, "minute");
  return `${ms} ms`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null)
    throw new InvalidContextError(`${what} must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/**
 * The longest id a record may carry (UTF-16 code units, as `String.length` counts): event ids, experiment,
 * variant and metric names, user and session ids. Stores key their tables by these ids, several to a key; at
 * most 3 UTF-8 bytes per code unit, three ids of this length fit PostgreSQL's B-tree entry limit (2,704 bytes)
 * with room to spare, so an id that one store keeps is kept by every store. An email address (at most 254) or
 * any hash, UUID or database key fits.
 */
export const MAX_ID_LENGTH = 256;

/** `String.prototype.isWellFormed`: ES2024, in Node 20, but not in the ES2023 library this code compiles with. */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/**
 * A non-empty string id that every store keeps as given: at most MAX_ID_LENGTH code units, no NUL character,
 * no unpaired surrogate. Cheap on the record path (about 15 ns for a short id, measured): a length check and
 * two native scans (a regular expression took twice as long). Errors name it `what`, or `what.field` when a
 * field is given.
 */
export function requireId(value: unknown, what: string, field?: string): asserts value is string {
  if (typeof value !== "string")
    throw new InvalidContextError(`${nameOf(what, field)} must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new InvalidContextError(`${nameOf(what, field)} must not be empty`);
  if (
    value.length > MAX_ID_LENGTH ||
    value.indexOf("\u0000") !== -1 ||
    !(value as unknown as WellFormedCheck).isWellFormed()
  ) {
    throw new InvalidContextError(`${nameOf(what, field)} ${idProblem(value)}: ${describe(value)}`);
  }
}

/**
 * Why a non-empty string cannot be an id (see requireId), as the end of a sentence that starts with the id's
 * name ("must be at most 256 characters, got 300"), or undefined when it can. PostgreSQL refuses the NUL
 * character in text (the whole batch would fail), and an unpaired surrogate becomes U+FFFD in UTF-8, so two
 * different ids would be stored as the same one and the second dropped as a repeat.
 */
export function idProblem(value: string): string | undefined {
  if (value.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters, got ${value.length}`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return `must not contain the NUL character (U+0000), found at index ${i}`;
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = value.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a well-formed pair: one character outside the BMP
      continue;
    }
    return `must be well-formed text, found an unpaired surrogate (U+${c.toString(16).toUpperCase()}) at index ${i}`;
  }
  return undefined;
}
