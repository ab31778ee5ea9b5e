import { describe } from "../context/experiment-context.js";
import { InvalidContextError } from "../errors/experiment-error.js";
import { idProblem } from "./records.js";

/**
 * Dimensions: attributes an experiment declares in the manifest (`dimensions = ["country", "platform"]`) that
 * the runtime records with every exposure, so a report can be cut by them (a unit's slice is the value its
 * FIRST exposure carried, as its variant is that exposure's variant).
 */

/** At most this many dimensions per experiment, and per exposure: each is one more breakdown to test. */
export const MAX_DIMENSIONS = 8;

/** The longest dimension value (UTF-16 code units), as for ids (MAX_ID_LENGTH). */
export const MAX_DIMENSION_VALUE_LENGTH = 256;

/**
 * Dimension names: a letter or `_`, then letters, digits, `_` or `-`, at most 64 in all. No `.` or quote, so a
 * name is a JSON path key in every store's SQL as it is.
 */
const DIMENSION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Why `name` cannot be a dimension name (the end of a sentence), or undefined when it can. */
export function dimensionNameProblem(name: string): string | undefined {
  if (DIMENSION_NAME.test(name)) return undefined;
  return `must be a dimension name (a letter or _, then letters, digits, _ or -, at most 64 in all, like "country"), got ${JSON.stringify(name)}`;
}

/**
 * Throws INVALID_CONTEXT unless `value` (when given) is an exposure's dimensions: an object of at most
 * MAX_DIMENSIONS entries, each named as a dimension (see dimensionNameProblem) with a string value of 1 to
 * MAX_DIMENSION_VALUE_LENGTH characters, no NUL, well-formed. `field` names it in the error
 * ("exposure.dimensions"), with the entry: "exposure.dimensions.country must be a string, got 3".
 */
export function requireDimensions(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidContextError(
      `${field} must be an object of dimension values like { country: "DE" }, got ${describe(value)}`,
    );
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_DIMENSIONS) {
    throw new InvalidContextError(
      `${field} must have at most ${MAX_DIMENSIONS} entries (MAX_DIMENSIONS), got ${entries.length}`,
    );
  }
  for (const [name, v] of entries) {
    const nameProblem = dimensionNameProblem(name);
    if (nameProblem !== undefined) throw new InvalidContextError(`${field}: each key ${nameProblem}`);
    if (typeof v !== "string") {
      throw new InvalidContextError(`${field}.${name} must be a string, got ${describe(v)}`);
    }
    if (v.length === 0) throw new InvalidContextError(`${field}.${name} must not be empty`);
    const problem = idProblem(v);
    if (problem !== undefined) throw new InvalidContextError(`${field}.${name} ${problem}: ${describe(v)}`);
  }
}

/**
 * The stored form of dimensions: a JSON object with its keys sorted (so equal dimensions are equal text in
 * every store), or undefined when there are none. On the record path: objects whose keys are in order already
 * (what dimensionsFromAttributes makes) take one native JSON.stringify (about 0.3 µs for two; sorting first cost
 * twice that). Dimension names are never integer-like, so an object's keys keep their insertion order.
 */
export function encodeDimensions(
  dimensions: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (dimensions === undefined) return undefined;
  const names = Object.keys(dimensions);
  if (names.length === 0) return undefined;
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! > names[i]!) {
      names.sort();
      const sorted: Record<string, string> = {};
      for (const name of names) sorted[name] = dimensions[name]!;
      return JSON.stringify(sorted);
    }
  }
  return JSON.stringify(dimensions);
}

/** Dimensions read back from their stored form (encodeDimensions); undefined for NULL. */
export function decodeDimensions(
  text: string | null | undefined,
): Readonly<Record<string, string>> | undefined {
  if (text === null || text === undefined) return undefined;
  return JSON.parse(text) as Record<string, string>;
}

/**
 * What the runtime records as an exposure's dimensions: the attributes named by the experiment's `dimensions`
 * (strings as they are; numbers and booleans as their text, for contexts built from untyped input). A missing
 * attribute is left out, and so is one that cannot be a dimension value (empty, longer than
 * MAX_DIMENSION_VALUE_LENGTH, with a NUL): an exposure is never refused for its dimensions, its unit lands in
 * the breakdown's "not recorded" slice instead. Undefined when none is left.
 */
export function dimensionsFromAttributes(
  attributes: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Readonly<Record<string, string>> | undefined {
  let found: Record<string, string> | undefined;
  // in sorted order, so the object is made in the order its stored form has (see encodeDimensions)
  for (const name of sortedNames(names)) {
    const raw = attributes[name];
    const value =
      typeof raw === "string"
        ? raw
        : typeof raw === "number" || typeof raw === "boolean"
          ? String(raw)
          : undefined;
    if (value === undefined || value.length === 0 || idProblem(value) !== undefined) continue;
    if (found === undefined) found = {};
    found[name] = value;
  }
  return found;
}

const SORTED = new WeakMap<readonly string[], readonly string[]>();

/** `names` sorted, computed once per list (an experiment's declared dimensions are one frozen array). */
function sortedNames(names: readonly string[]): readonly string[] {
  let sorted = SORTED.get(names);
  if (sorted === undefined) {
    sorted = [...names].sort();
    SORTED.set(names, sorted);
  }
  return sorted;
}
