import { isObject, quote } from "./imported.js";
import {
  caseInsensitiveSource,
  escapeRegex,
  ruleAttribute,
  ruleString,
  type TranslatedCondition,
} from "./targeting-rules.js";

class Untranslatable extends Error {}

/** Unleash context fields Assay's context has no counterpart for. */
const UNLEASH_FIELDS = new Set(["environment", "appName", "currentTime", "remoteAddress"]);

/**
 * Translates a strategy's `constraints` (all must hold) into manifest targeting rules that hold for the same
 * contexts as unleash-client, with Assay's attributes as the context's properties: `IN` / `NOT_IN` (values
 * trimmed, empty ones dropped, as the SDK does), `STR_CONTAINS` / `STR_STARTS_WITH` / `STR_ENDS_WITH` (any of the
 * values; `caseInsensitive` for ASCII values), each possibly `inverted`; on `userId`, `sessionId` or a property.
 * Anything else (numbers, dates, versions, regex, CIDR, the SDK's own fields) returns why.
 */
export function translateUnleashConstraints(constraints: readonly unknown[]): TranslatedCondition {
  const include: string[] = [];
  const exclude: string[] = [];
  try {
    for (const constraint of constraints) {
      if (!isObject(constraint) || typeof constraint.contextName !== "string")
        throw new Untranslatable(`${quote(constraint, 80)} is not a constraint`);
      const rule = constraintRule(constraint, constraint.contextName);
      if (rule === undefined) continue;
      (constraint.inverted === true ? exclude : include).push(rule);
    }
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, include, exclude };
}

function attributeOf(field: string): string {
  if (field === "userId" || field === "sessionId") return field;
  if (UNLEASH_FIELDS.has(field)) throw new Untranslatable(`a constraint on ${quote(field)} (an SDK field)`);
  const attr = ruleAttribute(field, "\u0000");
  if (attr === undefined)
    throw new Untranslatable(`a constraint on ${quote(field)} (not a name a rule can read)`);
  return attr;
}

/** The rule for one constraint before `inverted`, or undefined when it holds for everyone. */
function constraintRule(constraint: Record<string, unknown>, field: string): string | undefined {
  const operator = constraint.operator;
  const where = `${quote(field)} ${quote(operator)} ${quote(constraint.values ?? constraint.value, 80)}`;
  const raw = Array.isArray(constraint.values) ? constraint.values : [];
  if (!raw.every((v) => typeof v === "string")) throw new Untranslatable(`${where} (values must be strings)`);
  const values = (raw as string[]).filter((v) => v !== "").map((v) => v.trim());
  const attr = attributeOf(field);
  switch (operator) {
    case "IN":
    case "NOT_IN": {
      if (values.length === 0) {
        if (operator === "NOT_IN") return undefined;
        throw new Untranslatable(`${where} (no values: nobody matches)`);
      }
      return `${attr} ${operator === "IN" ? "in" : "not in"} [${values.map(ruleString).join(", ")}]`;
    }
    case "STR_CONTAINS":
    case "STR_STARTS_WITH":
    case "STR_ENDS_WITH": {
      if (values.length === 0) throw new Untranslatable(`${where} (no values: nobody matches)`);
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
      return `${attr} matches ${ruleString(source)}`;
    }
    default:
      throw new Untranslatable(`${where} (operator not reproduced)`);
  }
}
