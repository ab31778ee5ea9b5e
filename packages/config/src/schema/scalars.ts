import { idProblem } from "@assay/core";
import { describeValue } from "../describe.js";
import type { ManifestPath } from "../path.js";
import { nearest } from "../suggest.js";
import { type Check, type CheckContext, INVALID } from "./check.js";

/** `must be <expected>, got <value>`: the one shape of every type message, so each says what is valid. */
export function mismatch(
  ctx: CheckContext,
  path: ManifestPath,
  expected: string,
  value: unknown,
  hint = "",
): typeof INVALID {
  ctx.report(path, `must be ${expected}, got ${describeValue(value)}${hint}`);
  return INVALID;
}

/** A string, non-blank unless `allowBlank`; with `pattern`, it must match too. */
export function text(options: { expected: string; allowBlank?: boolean; pattern?: RegExp }): Check<string> {
  return (value, path, ctx) => {
    if (typeof value !== "string") return mismatch(ctx, path, options.expected, value);
    if (!options.allowBlank && value.trim() === "") return mismatch(ctx, path, options.expected, value);
    if (options.pattern && !options.pattern.test(value)) return mismatch(ctx, path, options.expected, value);
    return value;
  };
}

/**
 * A name that events carry (an experiment, variant or metric): non-blank, and an id every store keeps as
 * given (at most MAX_ID_LENGTH characters, no NUL, no unpaired surrogate; see @assay/core's requireId), so the
 * manifest cannot declare a name whose every record would be refused.
 */
export function recordedName(options: { expected: string }): Check<string> {
  const nonBlank = text(options);
  return (value, path, ctx) => {
    const checked = nonBlank(value, path, ctx);
    if (checked === INVALID) return INVALID;
    const problem = idProblem(checked);
    if (problem === undefined) return checked;
    const shown = checked.length > 40 ? `${checked.slice(0, 40)}…` : checked;
    ctx.report(path, `${problem}: ${describeValue(shown)}`);
    return INVALID;
  };
}

/**
 * A finite number (TOML integer or float; `nan` and `inf` are rejected) within `min`..`max` inclusive, or
 * above `min` with `exclusive`.
 */
export function finiteNumber(options: {
  expected: string;
  min?: number;
  max?: number;
  exclusive?: boolean;
}): Check<number> {
  return (value, path, ctx) => {
    if (typeof value !== "number") {
      const unquoted = typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value));
      const hint = unquoted ? `; write the number without quotes: ${value.trim()}` : "";
      return mismatch(ctx, path, options.expected, value, hint);
    }
    if (!Number.isFinite(value)) return mismatch(ctx, path, options.expected, value);
    if (options.min !== undefined && (value < options.min || (options.exclusive && value === options.min)))
      return mismatch(ctx, path, options.expected, value);
    if (options.max !== undefined && value > options.max) return mismatch(ctx, path, options.expected, value);
    return value;
  };
}

/** A TOML boolean (`true` / `false`, unquoted). */
export function flag(options: { expected: string }): Check<boolean> {
  return (value, path, ctx) => {
    if (typeof value === "boolean") return value;
    const quoted = value === "true" || value === "false";
    return mismatch(ctx, path, options.expected, value, quoted ? `; write it without quotes: ${value}` : "");
  };
}

/** A number strictly between 0 and 1 (a significance level or a p-value threshold). */
export function probability(options: { expected: string }): Check<number> {
  return (value, path, ctx) => {
    const checked = finiteNumber(options)(value, path, ctx);
    if (checked === INVALID) return INVALID;
    return checked > 0 && checked < 1 ? checked : mismatch(ctx, path, options.expected, value);
  };
}

/** An integer of at least `min` (TOML integers, or floats with no fractional part). */
export function integer(options: { expected: string; min: number }): Check<number> {
  return (value, path, ctx) => {
    const checked = finiteNumber(options)(value, path, ctx);
    if (checked === INVALID) return INVALID;
    return Number.isInteger(checked) ? checked : mismatch(ctx, path, options.expected, value);
  };
}

/**
 * One of a few strings. A near miss names the intended one (`"holms"` -> did you mean "holm"?), as unknown
 * keys do.
 */
export function oneOf<T extends string>(
  allowed: readonly T[],
  options: { expected?: string } = {},
): Check<T> {
  const expected = options.expected ?? `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
  return (value, path, ctx) => {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    const suggestion = typeof value === "string" ? nearest(value, allowed) : undefined;
    const hint = suggestion === undefined ? "" : `; did you mean ${JSON.stringify(suggestion)}?`;
    return mismatch(ctx, path, expected, value, hint);
  };
}
