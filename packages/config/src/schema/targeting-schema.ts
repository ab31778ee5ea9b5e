import { isRuleSyntaxError, parseRule, type Targeting } from "@assay/core";
import { type Check, INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { mismatch } from "./scalars.js";
import { type TableSchema, tableOf, withDefault } from "./table.js";

const RULE_EXAMPLE = '"country in [FR, DE]"';

/**
 * One targeting rule as a string, parsed by @assay/core's `parseRule`: a rule that does not parse is reported
 * at its line, with what was expected at which character of the rule.
 */
export const ruleText: Check<string> = (value, path, ctx) => {
  if (typeof value !== "string") {
    return mismatch(
      ctx,
      path,
      `a rule written as a string, e.g. ${RULE_EXAMPLE} or "app_version >= 2.3.0"`,
      value,
    );
  }
  const parsed = parseRule(value);
  if (!isRuleSyntaxError(parsed)) return value;
  const message = `rule ${JSON.stringify(value)}: ${parsed.error} (at character ${parsed.offset + 1})`;
  if (ctx.reportInString) ctx.reportInString(path, parsed.offset, message);
  else ctx.report(path, message);
  return INVALID;
};

const rules = arrayOf(ruleText, { expected: `an array of rules, e.g. [${RULE_EXAMPLE}, "plan == pro"]` });

/** Keys of `targeting = { include = [...], exclude = [...] }`. */
export const targetingFields = {
  include: withDefault(rules, []),
  exclude: withDefault(rules, []),
};

export const targetingSchema: TableSchema<typeof targetingFields, Targeting> = {
  where: "in targeting (rules go in `include`, every one must hold, or `exclude`, none may hold)",
  fields: targetingFields,
  build: (values) =>
    Object.freeze({ include: Object.freeze(values.include), exclude: Object.freeze(values.exclude) }),
};

export const targetingTable = tableOf(
  targetingSchema,
  `a table like { include = [${RULE_EXAMPLE}], exclude = ['email matches "@example\\.com$"'] }`,
);
