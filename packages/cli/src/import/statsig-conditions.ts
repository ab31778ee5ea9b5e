import { isObject, quote } from "./imported.js";
import { statsigVersionSource } from "./statsig-versions.js";
import { escapeRegex, ruleAttribute, ruleNumber, ruleString } from "./targeting-rules.js";

/**
 * A Statsig condition (or a conjunction of them) as manifest rules: it holds when every `include` rule holds and
 * no `exclude` rule does. `notes` are differences that remain for rare values (listed as not reproduced).
 */
export interface Conjunction {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly notes: readonly string[];
}

/** Why a condition cannot be written as manifest rules that hold for the same users. */
export class Untranslatable extends Error {}

/** The StatsigUser fields a condition's `field` names (lowercased), and the context attribute each is read from. */
const USER_FIELDS: Readonly<Record<string, string>> = {
  userid: "userId",
  user_id: "userId",
  email: "email",
  ip: "ip",
  country: "country",
  locale: "locale",
  appversion: "appVersion",
  app_version: "appVersion",
  useragent: "userAgent",
  user_agent: "userAgent",
};

/** Characters `toLowerCase` leaves alone and that nothing else lowercases into (digits, punctuation, space). */
const CASELESS = /^[\x20-\x40\x5b-\x60\x7b-\x7e]*$/;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;
/**
 * A number as Rust's `str::parse::<f64>` reads one, less `inf` and `NaN`: what Statsig compares numerically
 * (no surrounding spaces, which Assay's own number rule would trim).
 */
const RUST_FLOAT = "^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?$";
/**
 * Regex sources that mean the same to Statsig's server core (Rust `regex`) and to a manifest rule (JavaScript):
 * ASCII literals, escaped punctuation, anchors, groups, alternation, quantifiers and classes of ASCII literals.
 * Left out: `.` (JavaScript stops at `\r` and reads one half of an emoji), `\d \w \s \b` (Unicode in Rust),
 * negated classes, lookarounds, back references and flags.
 */
const PORTABLE_REGEX =
  /^(?:[A-Za-z0-9 _^$*+?|():,@#%&=!<>~'"/-]|\{\d+(?:,\d*)?\}|\\[.\\^$*+?()|[\]{}/-]|\[(?!\^)(?:[A-Za-z0-9_@ ]|\\[.\\\]-]|[A-Za-z0-9]-[A-Za-z0-9])+\])*$/;
const NOT_PORTABLE = /\(\?(?!:)/;

/**
 * The context attribute a user-field condition reads: StatsigUser's own fields (matched case-insensitively, as
 * Statsig does) by their SDK names (`email`, `country`, `appVersion`...), any other field as the custom field of
 * that name.
 */
export function fieldAttribute(field: unknown): string {
  if (typeof field !== "string" || field === "")
    throw new Untranslatable(`a user_field condition without a field name (${quote(field, 60)})`);
  const own = USER_FIELDS[field.toLowerCase()];
  if (own !== undefined) return own;
  if (field !== field.toLowerCase())
    throw new Untranslatable(
      `custom field ${quote(field)}: Statsig also reads it as ${quote(field.toLowerCase())}, a context has one of them`,
    );
  const attribute = ruleAttribute(field, "");
  if (attribute === undefined)
    throw new Untranslatable(`field ${quote(field)} (not an attribute name a rule can read)`);
  return attribute;
}

/**
 * One condition of a user's value (`attribute` read from the context) with Statsig's operator, as rules. The
 * semantics are the server core's (`@statsig/statsig-node-core`): `any` / `none` / `str_*` compare lowercased
 * strings (ASCII targets only here), the `_case_sensitive` forms exact strings, a missing value reads as `""`
 * for them and fails every other comparison; numbers compare when the value parses as a Rust float.
 */
export function valueCondition(attribute: string, operator: string, target: unknown): Conjunction {
  const op = operator.toLowerCase();
  switch (op) {
    case "any":
    case "none": {
      const values = targetStrings(target, op);
      const rule = values.every((v) => CASELESS.test(v))
        ? inRule(attribute, values)
        : `${attribute} matches ${ruleString(`^(?:${values.map((v) => caseless(v, false)).join("|")})$`)}`;
      return op === "any" ? only([rule], []) : only([], [rule]);
    }
    case "any_case_sensitive":
    case "none_case_sensitive": {
      const values = targetStrings(target, op, true);
      const rule = inRule(attribute, values);
      return op === "any_case_sensitive" ? only([rule], []) : only([], [rule]);
    }
    case "str_starts_with_any":
    case "str_ends_with_any":
    case "str_contains_any":
    case "str_contains_none": {
      const values = targetStrings(target, op);
      // İ lowercases to "i" + U+0307: it ends a match of a target whose last letter is i, unless the match must end
      const trailingI = op !== "str_ends_with_any";
      const body = `(?:${values.map((v) => caseless(v, trailingI)).join("|")})`;
      const source =
        op === "str_starts_with_any" ? `^${body}` : op === "str_ends_with_any" ? `${body}$` : body;
      const rule = `${attribute} matches ${ruleString(source)}`;
      return op === "str_contains_none" ? only([], [rule]) : only([rule], []);
    }
    case "eq":
    case "neq": {
      if (typeof target !== "string" || target === "")
        throw new Untranslatable(`${op} with ${quote(target, 60)} (only with a non-empty string)`);
      const rule = `${attribute} == ${ruleString(target)}`;
      return op === "eq" ? only([rule], []) : only([], [rule]);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const n =
        typeof target === "number"
          ? target
          : typeof target === "string" && new RegExp(RUST_FLOAT).test(target)
            ? Number(target)
            : Number.NaN;
      const text = ruleNumber(n);
      if (text === undefined)
        throw new Untranslatable(`${op} with ${quote(target, 60)} (only with a number)`);
      const symbol = { gt: ">", gte: ">=", lt: "<", lte: "<=" }[op];
      const infinity = op === "gt" || op === "gte" ? "inf" : "-inf";
      return {
        include: [`${attribute} matches ${ruleString(RUST_FLOAT)}`, `${attribute} ${symbol} ${text}`],
        exclude: [],
        notes: [
          `${attribute} ${symbol} ${text}: Statsig also counts ${quote(infinity)} and ${quote(`${infinity}inity`)} (any case) as numbers; here they do not match`,
        ],
      };
    }
    case "str_matches": {
      if (typeof target !== "string" || !PORTABLE_REGEX.test(target) || NOT_PORTABLE.test(target))
        throw new Untranslatable(
          `str_matches ${quote(target, 80)} (a pattern Rust's regex and JavaScript may read differently)`,
        );
      let pattern: RegExp;
      try {
        pattern = new RegExp(target);
      } catch {
        throw new Untranslatable(`str_matches ${quote(target, 80)} (not a valid regular expression)`);
      }
      // Statsig reads an empty field as missing (no match); a context may hold ""
      if (pattern.test(""))
        throw new Untranslatable(`str_matches ${quote(target, 80)} (matches the empty string)`);
      return only([`${attribute} matches ${ruleString(target)}`], []);
    }
    case "version_gt":
    case "version_gte":
    case "version_lt":
    case "version_lte":
    case "version_eq":
    case "version_neq": {
      // Statsig reads versions as dot-separated integers cut at the first "-", missing parts 0 (1.2 = 1.2.0,
      // 1.2.3-beta.1 = 1.2.3, v2.0.0 = 0.0.0), not as semver precedence: a regex of what it accepts instead
      const source = statsigVersionSource(op, target);
      if (source === undefined) throw new Untranslatable(`${op} ${quote(target, 40)} (matches nobody)`);
      if (typeof source !== "string")
        throw new Untranslatable(`${op} ${quote(target, 40)} (${source.reason})`);
      return only([`${attribute} matches ${ruleString(source)}`], []);
    }
    default:
      throw new Untranslatable(`operator ${quote(operator)} (not reproduced)`);
  }
}

/** The rule conjunction with no notes. */
function only(include: string[], exclude: string[]): Conjunction {
  return { include, exclude, notes: [] };
}

function inRule(attribute: string, values: readonly string[]): string {
  return values.length === 1
    ? `${attribute} == ${ruleString(values[0]!)}`
    : `${attribute} in [${values.map(ruleString).join(", ")}]`;
}

/** The target list of a string operator: non-empty strings (ASCII unless `anyText`), from a list or a v2 map. */
function targetStrings(target: unknown, op: string, anyText = false): string[] {
  const list = Array.isArray(target)
    ? target
    : isObject(target)
      ? Object.entries(target)
          .filter(([, on]) => on === true)
          .map(([k]) => k)
      : undefined;
  if (list === undefined || list.length === 0)
    throw new Untranslatable(`${op} with ${quote(target, 60)} (only with a list of strings)`);
  for (const v of list) {
    if (typeof v !== "string" || v === "")
      throw new Untranslatable(`${op} with ${quote(v, 60)} in its list (only non-empty strings)`);
    if (!anyText && !ASCII_PRINTABLE.test(v))
      throw new Untranslatable(`${op} with ${quote(v, 60)} (non-ASCII: Unicode case folding)`);
  }
  return [...new Set(list as string[])];
}

/**
 * A source matching `value` (ASCII) where Statsig matches the lowercased value against the lowercased target:
 * each letter in both cases, `k` also as the Kelvin sign (whose lowercase is k), and with `trailingI` a last
 * `i` also as `İ` (whose lowercase starts with i).
 */
function caseless(value: string, trailingI: boolean): string {
  let out = "";
  const chars = [...value];
  chars.forEach((c, index) => {
    if (!/[a-zA-Z]/.test(c)) {
      out += escapeRegex(c);
      return;
    }
    const lower = c.toLowerCase();
    const extra =
      lower === "k" ? "\\u212a" : lower === "i" && trailingI && index === chars.length - 1 ? "\\u0130" : "";
    out += `[${lower}${lower.toUpperCase()}${extra}]`;
  });
  return out;
}
