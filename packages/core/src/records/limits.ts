/**
 * The largest magnitude a numeric or count outcome may have. A store keeps per variant the sum and the sum of
 * squares of the units' values as doubles (PostgreSQL: double precision, which overflows to an error, not to
 * Infinity); with |x| ≤ 1e15, a sum of squares over 1e9 units stays below 1e39, far from the 1.8e308 limit,
 * and a sum stays exact to the cent for amounts up to about 1e13. Revenue in the smallest currency unit,
 * durations in nanoseconds over a week (6e14) and item counts all fit. Larger values are almost always a bug
 * (an id sent as the value, a unit mix-up) and are refused rather than poisoning every later summary.
 */
export const MAX_OUTCOME_MAGNITUDE = 1e15;

const DAY_MS = 86_400_000;

/**
 * The times an event may carry, relative to the moment it is recorded: from `maxAgeMs` before now to
 * `maxAheadMs` after it (and never before 1970). A timestamp outside is a clock or unit bug (seconds sent as
 * milliseconds, a year typed wrong); one far in the future would also make a daily series one row per day up
 * to it. Backfills of older data widen `maxAgeMs`.
 */
export interface TimestampWindow {
  /** How far in the past a timestamp may be, in ms. Default 10 years (3,652.5 days). */
  readonly maxAgeMs: number;
  /** How far in the future a timestamp may be (clock skew between hosts), in ms. Default 1 day. */
  readonly maxAheadMs: number;
}

/** −10 years … +1 day around now. */
export const DEFAULT_TIMESTAMP_WINDOW: TimestampWindow = Object.freeze({
  maxAgeMs: 3652.5 * DAY_MS,
  maxAheadMs: DAY_MS,
});
