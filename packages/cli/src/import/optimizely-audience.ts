import { isObject, quote } from "./imported.js";
import { escapeRegex, ruleAttribute, ruleString, type TranslatedCondition } from "./targeting-rules.js";

class Untranslatable extends Error {}

/** The audiences of a datafile by id, `typedAudiences` before `audiences` (whose conditions are JSON text), as the SDK reads them. */
export function audiencesById(datafile: Record<string, unknown>): Map<string, unknown> {
  const byId = new Map<string, unknown>();
  for (const list of [datafile.audiences, datafile.typedAudiences]) {
    if (!Array.isArray(list)) continue;
    for (const audience of list) {
      if (!isObject(audience) || typeof audience.id !== "string") continue;
      let conditions = audience.conditions;
      if (typeof conditions === "string") {
        try {
          conditions = JSON.parse(conditions);
        } catch {
          conditions = undefined;
        }
      }
      byId.set(audience.id, conditions);
    }
  }
  return byId;
}

/**
 * Translates an experiment's audiences (`audienceConditions`, else `audienceIds`, which the SDK ORs) into
 * manifest targeting rules that hold exactly when the SDK's audience evaluation is true, for attributes given as
 * strings: an AND of audiences (or a single one) whose conditions are an AND of `custom_attribute` leaves
 * `exact` with a string, `exists`, `substring` with a string. An absent attribute makes those leaves unknown
 * (the audience fails) and the rules fail too. Anything else (OR of several, NOT, numbers, versions) returns why.
 */
export function translateOptimizelyAudiences(
  experiment: Record<string, unknown>,
  audiences: ReadonlyMap<string, unknown>,
): TranslatedCondition {
  const include: string[] = [];
  try {
    const tree =
      experiment.audienceConditions !== undefined
        ? experiment.audienceConditions
        : Array.isArray(experiment.audienceIds)
          ? ["or", ...experiment.audienceIds]
          : [];
    conjunction(tree, (id) => {
      if (typeof id !== "string") throw new Untranslatable(`audience reference ${quote(id, 40)}`);
      if (!audiences.has(id))
        throw new Untranslatable(`audience ${quote(id)} is not in the datafile (the SDK matches nobody)`);
      conjunction(audiences.get(id), (leaf) => include.push(leafRule(leaf)));
    });
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, include: [...new Set(include)], exclude: [] };
}

/** Walks a condition tree that is an AND (or a one-child OR) of leaves, giving each leaf to `leaf`. */
function conjunction(tree: unknown, leaf: (value: unknown) => void): void {
  if (!Array.isArray(tree)) {
    leaf(tree);
    return;
  }
  const [first, ...rest] = tree;
  const operator = first === "and" || first === "or" || first === "not" ? first : undefined;
  const children = operator === undefined ? tree : rest;
  if (operator === "not")
    throw new Untranslatable('a "not" condition (unknown attributes stay unknown under it)');
  if (children.length === 0) return; // an empty list: the SDK treats it as no audience
  if ((operator ?? "or") === "or" && children.length > 1)
    throw new Untranslatable(`an OR of ${children.length} conditions (targeting rules are all-of)`);
  for (const child of children) conjunction(child, leaf);
}

function leafRule(leaf: unknown): string {
  if (!isObject(leaf) || leaf.type !== "custom_attribute" || typeof leaf.name !== "string")
    throw new Untranslatable(`condition ${quote(leaf, 80)} (only custom_attribute conditions)`);
  const attr = ruleAttribute(leaf.name, "");
  if (attr === undefined)
    throw new Untranslatable(`attribute ${quote(leaf.name)} (not a name a rule can read)`);
  const match = leaf.match ?? "exact";
  const where = `${quote(leaf.name)} ${quote(match)} ${quote(leaf.value, 60)}`;
  if (match === "exists") return `${attr} exists`;
  if (typeof leaf.value !== "string")
    throw new Untranslatable(
      `${where} (only with a string: Optimizely compares numbers and booleans by type)`,
    );
  if (match === "exact") return `${attr} == ${ruleString(leaf.value)}`;
  if (match === "substring") return `${attr} matches ${ruleString(escapeRegex(leaf.value))}`;
  throw new Untranslatable(`${where} (match type not reproduced)`);
}

/** Why an earlier delivery rule's audience cannot be excluded, or the rules that hold exactly when it matches. */
export type ExcludableAudience = { ok: true; rules: string[] } | { ok: false; reason: string };

/**
 * The rules that, written as `exclude`, leave out exactly the units a delivery rule's audiences match (for string
 * attributes): the audiences must be an OR (or a single one) of audiences that are each an OR of the leaves
 * `translateOptimizelyAudiences` reads. No audience matches everyone, which no exclusion can express.
 */
export function excludableAudiences(
  rule: Record<string, unknown>,
  audiences: ReadonlyMap<string, unknown>,
): ExcludableAudience {
  const rules: string[] = [];
  try {
    const tree =
      rule.audienceConditions !== undefined
        ? rule.audienceConditions
        : Array.isArray(rule.audienceIds)
          ? ["or", ...rule.audienceIds]
          : [];
    if (Array.isArray(tree) && disjunctionSize(tree) === 0)
      throw new Untranslatable("no audience: it matches every unit");
    disjunction(tree, (id) => {
      if (typeof id !== "string") throw new Untranslatable(`audience reference ${quote(id, 40)}`);
      if (!audiences.has(id)) throw new Untranslatable(`audience ${quote(id)} is not in the datafile`);
      disjunction(audiences.get(id), (leaf) => rules.push(leafRule(leaf)));
    });
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: true, rules: [...new Set(rules)] };
}

function disjunctionSize(tree: readonly unknown[]): number {
  const [first, ...rest] = tree;
  return first === "and" || first === "or" || first === "not" ? rest.length : tree.length;
}

/** Walks a condition tree that is an OR (or a one-child AND) of leaves, giving each leaf to `leaf`. */
function disjunction(tree: unknown, leaf: (value: unknown) => void): void {
  if (!Array.isArray(tree)) {
    leaf(tree);
    return;
  }
  const [first, ...rest] = tree;
  const operator = first === "and" || first === "or" || first === "not" ? first : undefined;
  const children = operator === undefined ? tree : rest;
  if (operator === "not") throw new Untranslatable('a "not" condition');
  if (children.length === 0) throw new Untranslatable("an empty condition list");
  if (operator === "and" && children.length > 1)
    throw new Untranslatable(
      `an AND of ${children.length} conditions (exclusions leave out any one of them)`,
    );
  for (const child of children) disjunction(child, leaf);
}
