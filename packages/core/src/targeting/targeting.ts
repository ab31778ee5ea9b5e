import type { ExperimentContext } from "../context/experiment-context.js";
import { evaluateRule, isRuleSyntaxError, parseRule, type TargetingRule } from "./rule.js";

/**
 * Who may enter an experiment or a flag, as the manifest writes it: every `include` rule must hold and no
 * `exclude` rule may hold. Empty lists exclude nobody. Each rule is one line of text (see
 * {@link TargetingRule}): `country in [FR, DE]`, `app_version >= 2.3.0`, `email matches "@acme\.com$"`.
 */
export interface Targeting {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** A compiled targeting: true when the context may enter. */
export type TargetingPredicate = (ctx: ExperimentContext) => boolean;

/**
 * Parses every rule once and returns the predicate. Throws a RangeError naming the first rule that does not
 * parse (the manifest validator reports those earlier, with file and line).
 */
export function compileTargeting(targeting: Targeting): TargetingPredicate {
  const include = targeting.include.map(compileOne);
  const exclude = targeting.exclude.map(compileOne);
  return (ctx) => {
    for (let i = 0; i < include.length; i++) if (!evaluateRule(include[i]!, ctx)) return false;
    for (let i = 0; i < exclude.length; i++) if (evaluateRule(exclude[i]!, ctx)) return false;
    return true;
  };
}

function compileOne(text: string): TargetingRule {
  const rule = parseRule(text);
  if (isRuleSyntaxError(rule)) {
    throw new RangeError(
      `targeting rule ${JSON.stringify(text)}: ${rule.error} (at character ${rule.offset + 1})`,
    );
  }
  return rule;
}
