/**
 * Statsig's `unit_id` conditions: string comparisons of the unit id itself (the id of the condition's id type),
 * which is all a hash-only evaluation has, so they are decided here like `user_bucket` conditions. Experiment
 * overrides by id and gates on id patterns are written this way. Semantics of Statsig's server core
 * (`compare_strings_in_array`): `any` / `none` and the `str_*` operators compare lowercased strings,
 * `any_case_sensitive` / `none_case_sensitive` exact ones; a missing id reads as `""`; the `none` forms are the
 * complements of their `any` forms.
 */

/** The operators of a `unit_id` condition decided here. */
export const UNIT_ID_OPERATORS: ReadonlySet<string> = new Set([
  "any",
  "none",
  "any_case_sensitive",
  "none_case_sensitive",
  "str_starts_with_any",
  "str_ends_with_any",
  "str_contains_any",
  "str_contains_none",
]);

/** A compiled `unit_id` condition: whether a unit id (or undefined) passes. */
export type UnitIdTest = (unitId: string | undefined) => boolean;

/**
 * The test of a `unit_id` condition with `operator` (lowercased) over `targetValue` (a list of strings, or the
 * v2 map `{ "<value>": true }`), or undefined when it is not one decided here (another operator, a target that
 * is not a list of strings).
 */
export function compileUnitIdCondition(operator: string, targetValue: unknown): UnitIdTest | undefined {
  if (!UNIT_ID_OPERATORS.has(operator)) return undefined;
  const targets = targetStrings(targetValue);
  if (targets === undefined) return undefined;
  const caseSensitive = operator.endsWith("_case_sensitive");
  const negate =
    operator === "none" || operator === "none_case_sensitive" || operator === "str_contains_none";
  const list = caseSensitive ? targets : targets.map((t) => t.toLowerCase());
  const set = new Set(list);
  const matches = (value: string): boolean => {
    switch (operator) {
      case "str_starts_with_any":
        return list.some((t) => value.startsWith(t));
      case "str_ends_with_any":
        return list.some((t) => value.endsWith(t));
      case "str_contains_any":
      case "str_contains_none":
        return list.some((t) => value.includes(t));
      default:
        return set.has(value);
    }
  };
  return (unitId) => {
    const value = unitId ?? "";
    return matches(caseSensitive ? value : value.toLowerCase()) !== negate;
  };
}

function targetStrings(targetValue: unknown): string[] | undefined {
  if (Array.isArray(targetValue))
    return targetValue.every((t) => typeof t === "string") ? (targetValue as string[]) : undefined;
  if (typeof targetValue === "object" && targetValue !== null)
    return Object.entries(targetValue)
      .filter(([, on]) => on === true)
      .map(([t]) => t);
  return undefined;
}
