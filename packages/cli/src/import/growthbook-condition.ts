import { isObject, quote } from "./imported.js";
import { ruleAttribute, ruleNumber, ruleString, type TranslatedCondition } from "./targeting-rules.js";

type Rules = { include: string[]; exclude: string[] };

class Untranslatable extends Error {}

/**
 * Translates a GrowthBook targeting `condition` (its MongoDB-like rules) into manifest targeting rules that hold
 * for the same contexts, for attributes given as strings (Assay's context carries strings; GrowthBook would get
 * the same strings). Reproduced: `{attr: "v"}`, `$eq` / `$ne` / `$in` / `$nin` with strings, `$exists`,
 * `$gt` / `$gte` / `$lt` / `$lte` with a number (when an absent attribute, which GrowthBook reads as 0, fails
 * them), `$regex` (when it does not match GrowthBook's "null" for an absent attribute), several operators on one
 * attribute, `$and`, a one-branch `$or`, and `$not` / `$nor` of single rules. The GrowthBook user id attribute
 * `id` becomes `userId`. Anything else returns why, and nothing of the condition is translated.
 */
export function translateGrowthBookCondition(condition: unknown): TranslatedCondition {
  const rules: Rules = { include: [], exclude: [] };
  try {
    condition_(condition, rules);
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, ...rules };
}

function condition_(condition: unknown, rules: Rules): void {
  if (!isObject(condition)) throw new Untranslatable(`${quote(condition, 80)} is not a condition object`);
  for (const [key, value] of Object.entries(condition)) {
    switch (key) {
      case "$and":
        for (const part of list(value, key)) condition_(part, rules);
        break;
      case "$or": {
        const parts = list(value, key);
        if (parts.length !== 1)
          throw new Untranslatable("$or of several branches (targeting rules are all-of)");
        condition_(parts[0], rules);
        break;
      }
      case "$not":
        rules.exclude.push(single(value, key));
        break;
      case "$nor":
        for (const part of list(value, key)) rules.exclude.push(single(part, key));
        break;
      default:
        if (key.startsWith("$")) throw new Untranslatable(`operator ${quote(key)}`);
        attribute(key, value, rules);
    }
  }
}

function list(value: unknown, operator: string): unknown[] {
  if (!Array.isArray(value)) throw new Untranslatable(`${operator} without a list`);
  return value;
}

/** A condition that is exactly one positive rule (what `$not` and `$nor` can negate as an exclude rule). */
function single(value: unknown, operator: string): string {
  const inner: Rules = { include: [], exclude: [] };
  condition_(value, inner);
  if (inner.include.length !== 1 || inner.exclude.length !== 0)
    throw new Untranslatable(`${operator} of ${quote(value, 80)}, not one single rule`);
  return inner.include[0]!;
}

function attribute(name: string, value: unknown, rules: Rules): void {
  const attr = ruleAttribute(name, "id");
  if (attr === undefined)
    throw new Untranslatable(`attribute ${quote(name)} (a nested path, a reserved or an unwritable name)`);
  if (typeof value === "string") {
    // GrowthBook compares `String(actual)`: an absent attribute reads "null"
    if (value === "null")
      throw new Untranslatable(`${quote(name)} equal to "null" (an absent attribute matches it)`);
    rules.include.push(`${attr} == ${ruleString(value)}`);
    return;
  }
  if (
    !isObject(value) ||
    Object.keys(value).length === 0 ||
    !Object.keys(value).every((k) => k.startsWith("$"))
  )
    throw new Untranslatable(`${quote(name)} compared with ${quote(value, 80)} (only strings and operators)`);
  // an absent or empty attribute reads as 0 in a comparison: it only matters when no comparison of the
  // attribute rejects 0 (`{age: {$gte: 18, $lt: 65}}` rejects it through $gte)
  const zeroRejected = Object.entries(value).some(
    ([operator, operand]) =>
      ZERO_PASSES[operator] !== undefined && typeof operand === "number" && !ZERO_PASSES[operator]!(operand),
  );
  for (const [operator, operand] of Object.entries(value))
    operatorRule(attr, name, operator, operand, rules, zeroRejected);
}

/** For each comparison, whether GrowthBook's reading of an absent attribute (null, compared as 0) passes it. */
const ZERO_PASSES: Record<string, (n: number) => boolean> = {
  $gt: (n) => 0 > n,
  $gte: (n) => 0 >= n,
  $lt: (n) => 0 < n,
  $lte: (n) => 0 <= n,
};
const COMPARISON: Record<string, string> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

function operatorRule(
  attr: string,
  name: string,
  operator: string,
  operand: unknown,
  rules: Rules,
  zeroRejected: boolean,
): void {
  const where = `${quote(name)} ${operator} ${quote(operand, 80)}`;
  switch (operator) {
    case "$eq":
    case "$ne":
      if (typeof operand !== "string") throw new Untranslatable(`${where} (only with a string)`);
      rules.include.push(`${attr} ${operator === "$eq" ? "==" : "!="} ${ruleString(operand)}`);
      return;
    case "$in":
    case "$nin": {
      if (!Array.isArray(operand) || !operand.every((v) => typeof v === "string"))
        throw new Untranslatable(`${where} (only a list of strings)`);
      if (operand.length === 0) {
        if (operator === "$nin") return; // nobody is in an empty list: everyone passes
        throw new Untranslatable(`${where} (an empty list matches nobody)`);
      }
      rules.include.push(
        `${attr} ${operator === "$in" ? "in" : "not in"} [${operand.map(ruleString).join(", ")}]`,
      );
      return;
    }
    case "$exists":
      rules.include.push(`${attr} ${operand ? "exists" : "missing"}`);
      return;
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte": {
      const text = typeof operand === "number" ? ruleNumber(operand) : undefined;
      if (text === undefined) throw new Untranslatable(`${where} (only with a number)`);
      if (!zeroRejected && ZERO_PASSES[operator]!(operand as number))
        throw new Untranslatable(
          `${where} (an absent or empty attribute, read as 0, passes it in GrowthBook)`,
        );
      rules.include.push(`${attr} ${COMPARISON[operator]} ${text}`);
      return;
    }
    case "$regex": {
      if (typeof operand !== "string") throw new Untranslatable(`${where} (not a string)`);
      let pattern: RegExp;
      try {
        pattern = new RegExp(operand);
      } catch {
        throw new Untranslatable(`${where} (not a valid regular expression: GrowthBook matches nobody)`);
      }
      if (pattern.test("null"))
        throw new Untranslatable(
          `${where} (matches "null", which an absent attribute reads as in GrowthBook)`,
        );
      rules.include.push(`${attr} matches ${ruleString(operand)}`);
      return;
    }
    case "$veq":
    case "$vne":
    case "$vgt":
    case "$vgte":
    case "$vlt":
    case "$vlte":
      // checked against the SDK in test/import-versions.test.ts
      throw new Untranslatable(
        `${where} (operator not reproduced: GrowthBook compares versions as strings with numbers padded to 5 characters, so values that are not semver such as "1.2" compare too, where Assay's version rule never holds)`,
      );
    default:
      throw new Untranslatable(`${where} (operator not reproduced)`);
  }
}
