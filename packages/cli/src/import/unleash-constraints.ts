import { isObject, quote } from "./imported.js";
import {
  caseInsensitiveSource,
  escapeRegex,
  ruleAttribute,
  ruleString,
  type TranslatedCondition,
} from "./targeting-rules.js";
import {
  SDK_VERSION_SOURCE,
  type SemverOperator,
  targetVersion,
  versionComparisonSource,
} from "./unleash-semver.js";

/**
 * One Unleash constraint as manifest targeting: rules (every `include` holds, no `exclude` does), a constraint
 * that holds for every context or for none (`NOT_IN []`, `IN []`, an operator the SDK does not know), or why
 * Assay's rules cannot say it.
 */
export type ConstraintTranslation =
  | { readonly kind: "rules"; readonly include: readonly string[]; readonly exclude: readonly string[] }
  | { readonly kind: "always" }
  | { readonly kind: "never" }
  | { readonly kind: "untranslatable"; readonly reason: string };

class Untranslatable extends Error {}

/** Unleash context fields Assay's context has no counterpart for (the SDK's static context, its clock, the IP). */
const UNLEASH_FIELDS = new Set(["environment", "appName", "currentTime", "remoteAddress"]);

/** The operators unleash-client 6 knows; any other makes a constraint (so its strategy) fail for everyone. */
const SDK_OPERATORS = new Set([
  "IN",
  "NOT_IN",
  "STR_ENDS_WITH",
  "STR_STARTS_WITH",
  "STR_CONTAINS",
  "NUM_EQ",
  "NUM_GT",
  "NUM_GTE",
  "NUM_LT",
  "NUM_LTE",
  "DATE_AFTER",
  "DATE_BEFORE",
  "SEMVER_EQ",
  "SEMVER_GT",
  "SEMVER_LT",
  "SEMVER_GTE",
  "SEMVER_LTE",
  "REGEX",
  "IN_CIDR",
]);

/**
 * Translates one constraint of a strategy or segment into rules that hold for the same contexts as in
 * unleash-client, with Assay's attributes as the context's properties: `IN` / `NOT_IN` (values trimmed, empty
 * ones dropped, as the SDK does; `caseInsensitive` is ignored there, as by the SDK), `STR_CONTAINS` /
 * `STR_STARTS_WITH` / `STR_ENDS_WITH` (any of the values; `caseInsensitive` with ASCII values), `SEMVER_EQ` /
 * `_GT` / `_LT` / `_GTE` / `_LTE` (against a release: one `matches` rule of exactly the values the SDK reads as
 * versions and that compare so; against a prerelease: that grammar rule plus Assay's version comparison), each
 * possibly `inverted` (not a comparison with a prerelease: two rules, whose negation no single exclude rule
 * says); on `userId`, `sessionId` or a property.
 */
export function translateUnleashConstraint(constraint: unknown): ConstraintTranslation {
  // a null entry fails the SDK's `!constraint` check, an unknown operator has no evaluator: nobody passes
  if (!isObject(constraint)) return { kind: "never" };
  if (typeof constraint.operator !== "string" || !SDK_OPERATORS.has(constraint.operator))
    return { kind: "never" };
  if (typeof constraint.contextName !== "string")
    return { kind: "untranslatable", reason: `${quote(constraint, 80)} has no contextName` };
  try {
    const rules = constraintRules(constraint, constraint.contextName);
    const inverted = constraint.inverted === true;
    if (rules === "always" || rules === "never") {
      const flipped = rules === "always" ? "never" : "always";
      return { kind: inverted ? flipped : rules };
    }
    if (!inverted) return { kind: "rules", include: rules, exclude: [] };
    if (rules.length !== 1)
      throw new Untranslatable(
        `${describe(constraint)} inverted (a comparison with a prerelease is two rules: its negation is no single exclude rule)`,
      );
    return { kind: "rules", include: [], exclude: rules };
  } catch (error) {
    if (error instanceof Untranslatable) return { kind: "untranslatable", reason: error.message };
    throw error;
  }
}

/**
 * Every constraint of a list at once (all must hold): the include and exclude rules, or the first reason one
 * cannot be translated; a constraint nobody passes is reported as such.
 */
export function translateUnleashConstraints(constraints: readonly unknown[]): TranslatedCondition {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const constraint of constraints) {
    const t = translateUnleashConstraint(constraint);
    if (t.kind === "untranslatable") return { ok: false, reason: t.reason };
    if (t.kind === "never") return { ok: false, reason: `${quote(constraint, 80)} holds for nobody` };
    if (t.kind === "rules") {
      include.push(...t.include);
      exclude.push(...t.exclude);
    }
  }
  return { ok: true, include, exclude };
}

function describe(constraint: Record<string, unknown>): string {
  return `${quote(constraint.contextName)} ${quote(constraint.operator)} ${quote(constraint.values ?? constraint.value, 80)}`;
}

function attributeOf(field: string): string {
  if (field === "userId" || field === "sessionId") return field;
  if (UNLEASH_FIELDS.has(field)) throw new Untranslatable(`a constraint on ${quote(field)} (an SDK field)`);
  const attr = ruleAttribute(field, "\u0000");
  if (attr === undefined)
    throw new Untranslatable(`a constraint on ${quote(field)} (not a name a rule can read)`);
  return attr;
}

/** The rules of one constraint before `inverted` (all must hold), or whether it holds for everyone or nobody. */
function constraintRules(
  constraint: Record<string, unknown>,
  field: string,
): readonly string[] | "always" | "never" {
  const operator = constraint.operator as string;
  const where = describe(constraint);
  if (operator.startsWith("SEMVER_")) return semverRules(constraint, field, where);
  if (operator === "DATE_AFTER" || operator === "DATE_BEFORE")
    throw new Untranslatable(`${where} (compares the clock at evaluation: Assay's rules have no time)`);
  if (!["IN", "NOT_IN", "STR_CONTAINS", "STR_STARTS_WITH", "STR_ENDS_WITH"].includes(operator))
    throw new Untranslatable(`${where} (operator not reproduced)`);
  if (!Array.isArray(constraint.values)) throw new Untranslatable(`${where} (no values list)`);
  const raw = constraint.values;
  if (!raw.every((v) => typeof v === "string")) throw new Untranslatable(`${where} (values must be strings)`);
  const values = (raw as string[]).filter((v) => v !== "").map((v) => v.trim());
  const attr = attributeOf(field);
  switch (operator) {
    case "IN":
    case "NOT_IN": {
      if (values.length === 0) return operator === "NOT_IN" ? "always" : "never";
      return [`${attr} ${operator === "IN" ? "in" : "not in"} [${values.map(ruleString).join(", ")}]`];
    }
    default: {
      if (values.length === 0) return "never";
      const insensitive = constraint.caseInsensitive === true;
      if (insensitive && values.some((v) => [...v].some((c) => c.charCodeAt(0) > 0x7f)))
        throw new Untranslatable(`${where} (case-insensitive with non-ASCII values)`);
      // lowercased, "İ" is "i" + U+0307: it contains (or starts with) a value that ends in i
      const dotted = operator !== "STR_ENDS_WITH";
      const body = values
        .map((v) => {
          if (!insensitive) return escapeRegex(v);
          if (dotted && /[iI]$/.test(v)) return `${caseInsensitiveSource(v.slice(0, -1), true)}[iI\\u0130]`;
          return caseInsensitiveSource(v, true);
        })
        .join("|");
      const source =
        operator === "STR_STARTS_WITH"
          ? `^(?:${body})`
          : operator === "STR_ENDS_WITH"
            ? `(?:${body})$`
            : body;
      return [`${attr} matches ${ruleString(source)}`];
    }
  }
}

const SEMVER_OPERATORS: Readonly<Record<string, readonly string[]>> = {
  SEMVER_EQ: [">=", "<="],
  SEMVER_GT: [">"],
  SEMVER_LT: ["<"],
  SEMVER_GTE: [">="],
  SEMVER_LTE: ["<="],
};

/** A version constraint: the SDK's version grammar, then the comparison (equality as >= and <=). */
function semverRules(constraint: Record<string, unknown>, field: string, where: string): readonly string[] {
  const comparisons = SEMVER_OPERATORS[constraint.operator as string]!;
  if (typeof constraint.value !== "string") throw new Untranslatable(`${where} (value must be a string)`);
  const target = targetVersion(constraint.value);
  if (target === undefined) throw new Untranslatable(`${where} (a value semver does not read)`);
  const attr = attributeOf(field);
  // a release target: one rule (so an inverted constraint is one exclude rule); a prerelease target: the
  // grammar rule and the comparison, which an inverted constraint cannot negate
  const single = versionComparisonSource(constraint.operator as SemverOperator, target);
  if (single !== undefined) return [`${attr} matches ${ruleString(single)}`];
  return [
    `${attr} matches ${ruleString(SDK_VERSION_SOURCE)}`,
    ...comparisons.map((op) => `${attr} ${op} ${target}`),
  ];
}
