export {
  type ComparisonOperator,
  evaluateRule,
  isRuleSyntaxError,
  parseRule,
  RULE_OPERATORS,
  type RuleSyntaxError,
  readAttribute,
  type TargetingRule,
} from "./rule.js";
export { compareSemVer, parseSemVer, type SemVer } from "./semver.js";
export { compileTargeting, type Targeting, type TargetingPredicate } from "./targeting.js";
