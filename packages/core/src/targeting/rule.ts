import type { ExperimentContext } from "../context/experiment-context.js";
import { compareSemVer, parseSemVer, type SemVer } from "./semver.js";

/** A comparison operator of a numeric or version rule. */
export type ComparisonOperator = "<" | "<=" | ">" | ">=";

/**
 * One targeting rule, parsed. Rules are written as one line of text, `attribute operator value`:
 *
 * | rule                                   | holds when the attribute...                                   |
 * | -------------------------------------- | ------------------------------------------------------------- |
 * | `country == FR`, `plan != "free"`      | equals (differs from) the string                              |
 * | `country in [FR, DE]`, `not in [...]`  | is (is not) one of the strings                                |
 * | `age >= 18`, `score < 0.5`             | is a number, compared numerically (`<`, `<=`, `>`, `>=`)      |
 * | `app_version >= 2.3.0`                 | is a semantic version, compared by semver precedence          |
 * | `email matches "@acme\.com$"`          | matches the regular expression (JavaScript syntax)            |
 * | `beta exists`, `beta missing`          | is present (absent) in the context                            |
 *
 * Values are bare words (`FR`, `2.3.0`) or double-quoted strings (`"Paris, FR"`, with `\"` for a quote).
 * `userId` and `sessionId` name the context's ids; any other name is an attribute. A rule on an absent
 * attribute does not hold, except the negations (`!=`, `not in`, `missing`), which are exact complements.
 */
export type TargetingRule =
  | { readonly kind: "equals"; readonly attribute: string; readonly value: string; readonly negate: boolean }
  | {
      readonly kind: "in";
      readonly attribute: string;
      readonly values: readonly string[];
      readonly negate: boolean;
    }
  | {
      readonly kind: "number";
      readonly attribute: string;
      readonly operator: ComparisonOperator;
      readonly value: number;
    }
  | {
      readonly kind: "version";
      readonly attribute: string;
      readonly operator: ComparisonOperator;
      readonly value: SemVer;
    }
  | { readonly kind: "matches"; readonly attribute: string; readonly pattern: RegExp }
  | { readonly kind: "present"; readonly attribute: string; readonly negate: boolean };

/** Why a rule's text does not parse, and at which character (0-based) of the text. */
export interface RuleSyntaxError {
  readonly error: string;
  readonly offset: number;
}

export const RULE_OPERATORS = [
  "==",
  "!=",
  "in",
  "not in",
  "<",
  "<=",
  ">",
  ">=",
  "matches",
  "exists",
  "missing",
] as const;
const OPERATOR_LIST = RULE_OPERATORS.join(", ");
const ATTRIBUTE = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const BARE = /[^\s,[\]"]+/y;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one rule; a {@link RuleSyntaxError} saying what was expected where, otherwise the rule. */
export function parseRule(text: string): TargetingRule | RuleSyntaxError {
  const p = new Cursor(text);
  try {
    p.skipSpace();
    const attribute = p.match(ATTRIBUTE);
    if (attribute === undefined) {
      return p.fail(
        p.atEnd()
          ? "empty rule; write `attribute operator value`, e.g. `country == FR`"
          : "expected an attribute name (letters, digits, _ . : -, not starting with a digit)",
      );
    }
    p.skipSpace();
    const operator = readOperator(p, attribute);
    let rule: TargetingRule;
    switch (operator) {
      case "exists":
      case "missing":
        rule = { kind: "present", attribute, negate: operator === "missing" };
        break;
      case "==":
      case "!=":
        rule = { kind: "equals", attribute, value: p.literal(), negate: operator === "!=" };
        break;
      case "in":
      case "not in":
        rule = { kind: "in", attribute, values: p.list(), negate: operator === "not in" };
        break;
      case "matches": {
        p.skipSpace();
        const at = p.offset;
        const source = p.literal();
        let pattern: RegExp;
        try {
          pattern = new RegExp(source);
        } catch (error) {
          p.offset = at;
          return p.fail(
            `invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`,
          );
        }
        rule = { kind: "matches", attribute, pattern };
        break;
      }
      default: {
        p.skipSpace();
        const at = p.offset;
        const value = p.literal();
        if (NUMBER.test(value)) rule = { kind: "number", attribute, operator, value: Number(value) };
        else {
          const version = parseSemVer(value);
          if (version === undefined) {
            p.offset = at;
            return p.fail(
              `\`${operator}\` compares numbers (18, 2.5) or versions (2.3.0, 1.0.0-beta.1), got ${JSON.stringify(value)}; for strings use == or in`,
            );
          }
          rule = { kind: "version", attribute, operator, value: version };
        }
      }
    }
    p.skipSpace();
    if (!p.atEnd())
      return p.fail(
        `unexpected ${JSON.stringify(text.slice(p.offset))} after the rule; write one condition per rule`,
      );
    return rule;
  } catch (error) {
    if (error instanceof SyntaxFailure) return { error: error.message, offset: error.offset };
    throw error;
  }
}

export function isRuleSyntaxError(value: TargetingRule | RuleSyntaxError): value is RuleSyntaxError {
  return "error" in value;
}

function readOperator(p: Cursor, attribute: string): ComparisonOperator | (typeof RULE_OPERATORS)[number] {
  const symbol = p.match(/[=!<>~]+/y);
  if (symbol !== undefined) {
    if ((RULE_OPERATORS as readonly string[]).includes(symbol)) return symbol as ComparisonOperator;
    p.offset -= symbol.length;
    const hint =
      symbol === "="
        ? "; did you mean ==?"
        : symbol === "=<"
          ? "; did you mean <=?"
          : symbol === "=>"
            ? "; did you mean >=?"
            : "";
    return p.fail(
      `unknown operator ${JSON.stringify(symbol)} after ${attribute}${hint} (operators: ${OPERATOR_LIST})`,
    );
  }
  const word = p.match(/[A-Za-z_]+/y);
  if (word === undefined) {
    return p.fail(
      p.atEnd()
        ? `missing an operator after ${attribute} (operators: ${OPERATOR_LIST})`
        : `expected an operator after ${attribute} (operators: ${OPERATOR_LIST})`,
    );
  }
  if (word === "in" || word === "matches" || word === "exists" || word === "missing") return word;
  if (word === "not") {
    p.skipSpace();
    if (p.match(/in\b/y) !== undefined) return "not in";
    return p.fail("expected `in` after `not` (`not in [a, b]`)");
  }
  p.offset -= word.length;
  const near = nearOperator(word);
  return p.fail(
    `unknown operator ${JSON.stringify(word)} after ${attribute}${near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`} (operators: ${OPERATOR_LIST})`,
  );
}

function nearOperator(word: string): string | undefined {
  const lower = word.toLowerCase();
  const aliases: Record<string, string> = {
    ni: "in",
    is: "==",
    eq: "==",
    ne: "!=",
    lt: "<",
    le: "<=",
    lte: "<=",
    gt: ">",
    ge: ">=",
    gte: ">=",
    match: "matches",
    regex: "matches",
    exist: "exists",
    present: "exists",
    absent: "missing",
    nin: "not in",
  };
  if (aliases[lower] !== undefined) return aliases[lower];
  return ["in", "matches", "exists", "missing"].includes(lower) ? lower : undefined;
}

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

class Cursor {
  offset = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.offset >= this.text.length;
  }

  skipSpace(): void {
    while (this.offset < this.text.length && /\s/.test(this.text[this.offset]!)) this.offset++;
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.offset += found[0].length;
    return found[0];
  }

  fail(message: string): never {
    throw new SyntaxFailure(message, this.offset);
  }

  /** A bare word or a double-quoted string. */
  literal(): string {
    this.skipSpace();
    if (this.atEnd()) return this.fail("missing a value at the end of the rule");
    if (this.text[this.offset] === '"') return this.quoted();
    if (this.text[this.offset] === "[")
      return this.fail("a list needs `in` or `not in`; use == with one value");
    const bare = this.match(BARE);
    if (bare === undefined) return this.fail("expected a value (a word or a double-quoted string)");
    return bare;
  }

  private quoted(): string {
    const start = this.offset;
    this.offset++;
    let out = "";
    while (!this.atEnd()) {
      const c = this.text[this.offset]!;
      if (c === '"') {
        this.offset++;
        return out;
      }
      if (c === "\\" && (this.text[this.offset + 1] === '"' || this.text[this.offset + 1] === "\\")) {
        // \" and \\ are escapes; any other backslash is kept, so regular expressions read as written.
        out += this.text[this.offset + 1];
        this.offset += 2;
        continue;
      }
      out += c;
      this.offset++;
    }
    this.offset = start;
    return this.fail("unterminated string: add the closing double quote");
  }

  /** `[a, b, "c d"]`: at least one value. */
  list(): string[] {
    this.skipSpace();
    if (this.text[this.offset] !== "[") return this.fail("expected a list after `in`, e.g. [FR, DE]");
    this.offset++;
    const values: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] === "]") {
        if (values.length === 0) return this.fail("empty list: give at least one value");
        this.offset++;
        return values;
      }
      if (values.length > 0) {
        if (this.text[this.offset] !== ",")
          return this.fail(
            this.atEnd() ? "unterminated list: add the closing ]" : "expected , or ] in the list",
          );
        this.offset++;
        this.skipSpace();
        if (this.text[this.offset] === "]") {
          this.offset++;
          return values;
        }
      }
      if (this.atEnd()) return this.fail("unterminated list: add the closing ]");
      values.push(this.literal());
    }
  }
}

/** The attribute a rule reads: `userId` and `sessionId` are the context's ids, other names its attributes. */
export function readAttribute(ctx: ExperimentContext, attribute: string): string | undefined {
  if (attribute === "userId") return ctx.userId;
  if (attribute === "sessionId") return ctx.sessionId;
  const attributes = ctx.attributes as Readonly<Record<string, unknown>> | undefined;
  const value = attributes?.[attribute];
  return typeof value === "string" ? value : undefined;
}

/** Whether `rule` holds for `ctx`. */
export function evaluateRule(rule: TargetingRule, ctx: ExperimentContext): boolean {
  const value = readAttribute(ctx, rule.attribute);
  switch (rule.kind) {
    case "present":
      return (value !== undefined) !== rule.negate;
    case "equals":
      return (value === rule.value) !== rule.negate;
    case "in":
      return (value !== undefined && rule.values.includes(value)) !== rule.negate;
    case "matches":
      if (value === undefined) return false;
      rule.pattern.lastIndex = 0;
      return rule.pattern.test(value);
    case "number": {
      if (value === undefined || !NUMBER.test(value.trim())) return false;
      return compare(Number(value) - rule.value, rule.operator);
    }
    case "version": {
      const version = value === undefined ? undefined : parseSemVer(value.trim());
      return version !== undefined && compare(compareSemVer(version, rule.value), rule.operator);
    }
  }
}

function compare(difference: number, operator: ComparisonOperator): boolean {
  switch (operator) {
    case "<":
      return difference < 0;
    case "<=":
      return difference <= 0;
    case ">":
      return difference > 0;
    case ">=":
      return difference >= 0;
  }
}
