import { isObject, quote } from "./imported.js";
import { semverRules } from "./posthog-semver.js";
import {
  caseInsensitiveSource,
  ruleAttribute,
  ruleNumber,
  ruleString,
  type TranslatedCondition,
} from "./targeting-rules.js";

type Rules = { include: string[]; exclude: string[] };

class Untranslatable extends Error {}

/** A string that is only characters `toLowerCase` leaves alone and nothing else lowercases into (digits, `-`...). */
const CASELESS = /^[\x20-\x40\x5b-\x60\x7b-\x7e]*$/;
/** What posthog-node evaluates a regex on locally: ASCII without a carriage return (else it asks the server). */
const LOCAL_REGEX_VALUE = "^[\\x00-\\x0c\\x0e-\\x7f]*$";
/**
 * Regex sources made of tokens that posthog-node evaluates locally and that mean the same in a manifest rule:
 * ASCII literals, `.`, anchors, `| ( ) (?:`, `* + ?` (not possessive), simple escapes, simple classes; no
 * lookarounds, no `{n}`, no `\b`.
 */
const PORTABLE_REGEX =
  /^(?:[A-Za-z0-9 _^$.*+?|():,@#%&=!<>~'"/-]|\\[dDsSwW.\\^$*+?()|[\]/-]|\[\^?[A-Za-z0-9_.@ -]+\])*$/;
const NOT_PORTABLE = /\(\?(?!:)|[*+?]\+/;

/**
 * Translates the person-property filters of one PostHog condition group (all must match) into manifest
 * targeting rules that hold for the same contexts as posthog-node's local evaluation, for properties given as
 * strings: `exact` / `is_not` (one value or a list, compared case-insensitively as PostHog does), `icontains` /
 * `not_icontains`, `starts_with` / `ends_with`, `regex` / `not_regex` (portable patterns; posthog-node leaves
 * non-ASCII values to its server, so they do not match here either), `gt` / `gte` / `lt` / `lte` with a number,
 * `is_set`, the `semver_*` operators (as regexes of PostHog's own reading of versions, `posthog-semver.ts`). A property absent from the context is inconclusive locally (the flag is not served), so every
 * translated filter also requires the attribute. Anything else returns why, and nothing is translated.
 */
export function translatePostHogProperties(properties: readonly unknown[]): TranslatedCondition {
  const rules: Rules = { include: [], exclude: [] };
  try {
    for (const property of properties) propertyRules(property, rules);
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, include: [...new Set(rules.include)], exclude: rules.exclude };
}

function propertyRules(property: unknown, rules: Rules): void {
  if (!isObject(property) || typeof property.key !== "string")
    throw new Untranslatable(`${quote(property, 80)} is not a property filter`);
  const type = property.type ?? "person";
  if (type !== "person") throw new Untranslatable(`a ${quote(type)} filter (cohorts, flags, groups)`);
  if (property.negation === true) throw new Untranslatable("a negated filter");
  const attr = ruleAttribute(property.key, "");
  if (attr === undefined)
    throw new Untranslatable(`property ${quote(property.key)} (not an attribute name a rule can read)`);
  const operator = property.operator ?? "exact";
  const value = property.value;
  const where = `${quote(property.key)} ${quote(operator)} ${quote(value, 80)}`;
  rules.include.push(`${attr} exists`);
  switch (operator) {
    case "is_set":
      return;
    case "exact":
    case "is_not": {
      const rule = exactRule(attr, value, where);
      (operator === "exact" ? rules.include : rules.exclude).push(rule);
      return;
    }
    case "icontains":
    case "not_icontains":
    case "starts_with":
    case "ends_with": {
      if (typeof value !== "string" && typeof value !== "number")
        throw new Untranslatable(`${where} (only a string or a number)`);
      const body = caseInsensitiveSource(String(value));
      const source = operator === "starts_with" ? `^${body}` : operator === "ends_with" ? `${body}$` : body;
      (operator === "not_icontains" ? rules.exclude : rules.include).push(
        `${attr} matches ${ruleString(source)}`,
      );
      return;
    }
    case "regex":
    case "not_regex": {
      if (typeof value !== "string" || !PORTABLE_REGEX.test(value) || NOT_PORTABLE.test(value))
        throw new Untranslatable(`${where} (a pattern posthog-node may leave to its server)`);
      try {
        new RegExp(value);
      } catch {
        throw new Untranslatable(`${where} (not a valid regular expression)`);
      }
      rules.include.push(`${attr} matches ${ruleString(LOCAL_REGEX_VALUE)}`);
      if (value === "") {
        if (operator === "not_regex") throw new Untranslatable(`${where} (matches nobody)`);
        return;
      }
      (operator === "regex" ? rules.include : rules.exclude).push(`${attr} matches ${ruleString(value)}`);
      return;
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const text = typeof value === "number" ? ruleNumber(value) : undefined;
      if (text === undefined) throw new Untranslatable(`${where} (only with a number)`);
      // posthog-node compares non-numeric values as strings; those are left out here (listed by the caller)
      rules.include.push(`${attr} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[operator as "gt"]} ${text}`);
      return;
    }
    case "semver_eq":
    case "semver_neq":
    case "semver_gt":
    case "semver_gte":
    case "semver_lt":
    case "semver_lte":
    case "semver_tilde":
    case "semver_caret":
    case "semver_wildcard": {
      // PostHog's reading of versions is not semver precedence: a regex holding for what it reads as satisfying
      const sources = semverRules(String(operator), value);
      if (typeof sources === "string") throw new Untranslatable(`${where} (${sources})`);
      for (const source of sources) rules.include.push(`${attr} matches ${ruleString(source)}`);
      return;
    }
    default:
      throw new Untranslatable(`${where} (operator not reproduced)`);
  }
}

/** PostHog's `exact`: the value (or any of a list) equal to the property, compared lowercased. */
function exactRule(attr: string, value: unknown, where: string): string {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new Untranslatable(`${where} (an empty list)`);
  const texts: string[] = [];
  for (const v of values) {
    const text = typeof v === "string" ? v : typeof v === "number" ? ruleNumber(v) : undefined;
    if (text === undefined) throw new Untranslatable(`${where} (only strings and numbers)`);
    const lower = text.toLowerCase();
    if (lower === "true" || lower === "false") throw new Untranslatable(`${where} (compared as a boolean)`);
    if ([...text].some((c) => c.charCodeAt(0) > 0x7f))
      throw new Untranslatable(`${where} (a non-ASCII value, Unicode case folding)`);
    texts.push(text);
  }
  if (texts.every((t) => CASELESS.test(t))) {
    return texts.length === 1
      ? `${attr} == ${ruleString(texts[0]!)}`
      : `${attr} in [${texts.map(ruleString).join(", ")}]`;
  }
  return `${attr} matches ${ruleString(`^(?:${texts.map((t) => caseInsensitiveSource(t, true)).join("|")})$`)}`;
}
