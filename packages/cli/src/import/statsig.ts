import type { StatsigHashing, VariantDefinition } from "@assay/core";
import { statsig } from "@assay/hashing";
import {
  checkExperimentCount,
  checkVariationCount,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  isObject,
  quote,
  uniqueIds,
  unitFor,
} from "./imported.js";
import { type Conjunction, fieldAttribute, Untranslatable, valueCondition } from "./statsig-conditions.js";
import {
  type PayloadCondition,
  type PayloadRule,
  type PayloadSpec,
  readStatsigSpecs,
  type StatsigSpecs,
} from "./statsig-payload.js";
import { ruleAttribute } from "./targeting-rules.js";

/** Where the manifest will find the payload: the `hashing.payload` path, relative to the manifest's folder. */
export interface StatsigImportOptions {
  readonly payloadPath: string;
}

/**
 * Translates a Statsig `download_config_specs` payload (v1 arrays or v2 maps) into manifest experiments in
 * `statsig` hashing mode, one per experiment (`entity` "experiment"): variants named after the groups, the
 * payload file itself read by the mode for salts, layer allocation and group thresholds. Rules that need user
 * attributes (a targeting gate) become the experiment's `targeting` where their conditions translate exactly,
 * and are passed over by the mode (`skip_rules`); what does not translate is listed as not reproduced, never
 * dropped. Dynamic configs, autotune and inactive experiments are skipped, with why.
 */
export function importStatsig(payload: unknown, options: StatsigImportOptions): ImportResult {
  const specs = readStatsigSpecs(payload);
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  for (const spec of specs.configs) {
    const what = `${spec.entity === "" ? "config" : spec.entity} ${quote(spec.name)}`;
    if (spec.entity !== "experiment") {
      skipped.push(`${what}: not an experiment`);
      continue;
    }
    const groups = spec.rules.filter(isGroupRule);
    checkVariationCount(groups.length, what);
    if (groups.length === 0) {
      skipped.push(`${what}: no group rule (not started, or ended: Statsig serves nobody a group)`);
      continue;
    }
    if (spec.isActive === false) {
      skipped.push(`${what}: not active (isActive false: a launched or abandoned experiment)`);
      continue;
    }
    experiments.push(translate(spec, groups, specs, options));
  }
  checkExperimentCount(experiments.length);
  const result = uniqueIds(experiments);
  confirmUnitDecides(payload, result);
  return { vendor: "statsig", experiments: result, skipped };
}

const isGroupRule = (r: PayloadRule) => r.groupName !== undefined;

function translate(
  spec: PayloadSpec,
  groups: readonly PayloadRule[],
  specs: StatsigSpecs,
  options: StatsigImportOptions,
): ImportedExperiment {
  const notes: string[] = [];
  const names = groups.map((g) => g.groupName!);
  if (new Set(names).size !== names.length)
    throw new ImportError(`${spec.path}: two group rules name the same group (${quote(names)})`);
  const variants = groupVariants(spec, groups, notes);

  let unit = "user";
  if (spec.idType.toLowerCase() !== "userid") {
    const candidate = unitFor(spec.idType, "");
    if (candidate === undefined)
      throw new ImportError(`${spec.path}.idType: ${quote(spec.idType)} cannot be a unit name`);
    unit = candidate;
    notes.push(
      `bucketed by the custom id ${quote(spec.idType)}: put it in the context as attributes.${candidate}`,
    );
  }

  const include: string[] = [];
  const exclude: string[] = [];
  const skipRules: string[] = [];
  let groupSeen = false;
  for (const rule of spec.rules) {
    const grouped = isGroupRule(rule);
    if (ruleDecidedByUnit(rule, specs)) {
      groupSeen ||= grouped;
      continue;
    }
    skipRules.push(rule.id);
    if (grouped) {
      notes.push(
        `group ${quote(rule.groupName)}: its rule ${quote(rule.id)} needs user attributes (${quote(
          rule.conditions.map((c) => c.raw),
          160,
        )}); the group is never served here`,
      );
      groupSeen = true;
      continue;
    }
    if (groupSeen) {
      notes.push(
        `rule ${quote(rule.id)} comes after a group rule and needs user attributes: passed over here (units matching it are not in the experiment in Statsig)`,
      );
      continue;
    }
    try {
      const allowed = excludedBy(rule, specs);
      include.push(...allowed.include);
      exclude.push(...allowed.exclude);
      notes.push(...allowed.notes);
    } catch (error) {
      if (!(error instanceof Untranslatable)) throw error;
      notes.push(
        `targeting rule ${quote(rule.id)} (units matching it are not in the experiment in Statsig): ${error.message}; passed over here, so those units are enrolled`,
      );
    }
  }
  if (specs.configMappings.has(spec.name))
    notes.push(
      "config mappings (the payload's overrides) can serve another config to some users: not reproduced",
    );
  if (!spec.enabled)
    notes.push("disabled: Statsig serves everyone the default value (imported with enabled = false)");

  const hashing: { -readonly [K in keyof StatsigHashing]: StatsigHashing[K] } = {
    mode: "statsig",
    payload: options.payloadPath,
    experiment: spec.name,
  };
  if (skipRules.length > 0) hashing.skipRules = skipRules;
  const targeting =
    include.length + exclude.length > 0
      ? { include: [...new Set(include)], exclude: [...new Set(exclude)] }
      : undefined;
  return {
    id: spec.name,
    origin: `experiment ${quote(spec.name)} (${spec.path})`,
    variants,
    unit,
    traffic: 1,
    enabled: spec.enabled,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    notReproduced: notes,
  };
}

/**
 * The variants: one per group, in rule order, weighted by the group's share of the experiment's 1000 buckets
 * (the differences of its `user_bucket lt` thresholds); equal weights when the thresholds are not that shape.
 * The weights are for people: the mode reads the groups from the payload.
 */
function groupVariants(
  spec: PayloadSpec,
  groups: readonly PayloadRule[],
  notes: string[],
): VariantDefinition[] {
  let previous = 0;
  const sizes: (number | undefined)[] = groups.map((g) => {
    const bucket = g.conditions.find(
      (c) =>
        c.type === "user_bucket" &&
        c.operator === "lt" &&
        typeof c.targetValue === "number" &&
        isObject(c.raw.additionalValues) &&
        c.raw.additionalValues.salt === spec.salt,
    );
    if (bucket === undefined) return undefined;
    const size = (bucket.targetValue as number) - previous;
    previous = bucket.targetValue as number;
    return size >= 0 ? size : undefined;
  });
  const sized = sizes.every((s) => s !== undefined);
  const names = groups.map((g) => g.groupName!);
  let control = names.findIndex((n) => n.toLowerCase() === "control");
  if (control < 0) {
    control = 0;
    notes.push(`no group is called "Control": ${quote(names[0])} is taken as the control`);
  }
  return names.map((id, i) => ({ id, weight: sized ? sizes[i]! : 1, isControl: i === control }));
}

/** Whether the unit id alone decides a rule (public, user_bucket, unit_id, gates deciding likewise). */
function ruleDecidedByUnit(rule: PayloadRule, specs: StatsigSpecs, visiting = new Set<string>()): boolean {
  return rule.conditions.every((c) => {
    if (c.type === "pass_gate" || c.type === "fail_gate") {
      if (typeof c.targetValue !== "string") return false;
      const gate = specs.gates.get(c.targetValue);
      if (gate === undefined || visiting.has(gate.name)) return true;
      visiting.add(gate.name);
      const decided = gate.rules.every((r) => ruleDecidedByUnit(r, specs, visiting));
      visiting.delete(gate.name);
      return decided;
    }
    return !statsig.needsContext(c.raw as unknown as statsig.SpecCondition);
  });
}

/**
 * Who a non-group rule lets through: a unit matching it gets the default value (not in the experiment), so the
 * experiment's targeting is its negation. A rule of one condition (public ones aside) translates: `fail_gate G`
 * lets through who passes G, anything else its negation (one manifest rule).
 */
function excludedBy(rule: PayloadRule, specs: StatsigSpecs): Conjunction {
  const conditions = rule.conditions.filter((c) => c.type !== "public");
  if (conditions.length !== 1)
    throw new Untranslatable(
      `an AND of ${conditions.length} conditions, so who it lets through is an OR (${quote(
        conditions.map((c) => c.raw),
        160,
      )})`,
    );
  const c = conditions[0]!;
  if (c.type === "fail_gate") return gatePasses(c, specs, new Set());
  return negate(conditionHolds(c, specs, new Set()), c);
}

/** The condition as manifest rules. */
function conditionHolds(c: PayloadCondition, specs: StatsigSpecs, visiting: Set<string>): Conjunction {
  switch (c.type) {
    case "public":
      return { include: [], exclude: [], notes: [] };
    case "user_field":
      return valueCondition(fieldAttribute(c.field), c.operator, c.targetValue);
    case "unit_id": {
      const attribute = c.idType.toLowerCase() === "userid" ? "userId" : ruleAttribute(c.idType, "");
      if (attribute === undefined) throw new Untranslatable(`a unit_id condition on ${quote(c.idType)}`);
      return valueCondition(attribute, c.operator, c.targetValue);
    }
    case "pass_gate":
      return gatePasses(c, specs, visiting);
    case "fail_gate":
      return negate(gatePasses(c, specs, visiting), c);
    case "user_bucket":
      throw new Untranslatable("a user_bucket condition alongside user attributes (a hash inside targeting)");
    case "environment_field":
      throw new Untranslatable(
        `environment_field ${quote(c.field)}: the SDK's environment (tier), set in the app, not in the payload`,
      );
    case "ip_based":
    case "ua_based":
      throw new Untranslatable(
        `${c.type} ${quote(c.field)}: derived by Statsig from the ${c.type === "ip_based" ? "IP address" : "user agent"}`,
      );
    case "current_time":
      throw new Untranslatable("current_time: depends on when a unit is evaluated");
    default:
      throw new Untranslatable(`a ${quote(c.type)} condition (not reproduced)`);
  }
}

/** Rules that hold when gate `c.targetValue` passes: a gate of one rule at 100 %, its conditions translated. */
function gatePasses(c: PayloadCondition, specs: StatsigSpecs, visiting: Set<string>): Conjunction {
  const name = c.targetValue;
  const gate = typeof name === "string" ? specs.gates.get(name) : undefined;
  if (gate === undefined)
    throw new Untranslatable(`${c.type} on ${quote(name)}, which is not a gate of the payload`);
  if (visiting.has(gate.name)) throw new Untranslatable(`gate ${quote(gate.name)} names itself`);
  if (!gate.enabled) throw new Untranslatable(`gate ${quote(gate.name)} is disabled (fails for everyone)`);
  if (gate.rules.length !== 1)
    throw new Untranslatable(
      `gate ${quote(gate.name)} has ${gate.rules.length} rules (passing it is an OR of them; a manifest's include is an AND)`,
    );
  const rule = gate.rules[0]!;
  if (rule.passPercentage !== 100 || rule.returnsFalse)
    throw new Untranslatable(
      `gate ${quote(gate.name)} passes ${rule.returnsFalse ? "nobody" : `${rule.passPercentage} %`} of the units its rule matches (a hash inside targeting)`,
    );
  visiting.add(gate.name);
  const parts = rule.conditions.map((condition) => {
    try {
      return conditionHolds(condition, specs, visiting);
    } catch (error) {
      if (error instanceof Untranslatable)
        throw new Untranslatable(`gate ${quote(gate.name)}: ${error.message}`);
      throw error;
    }
  });
  visiting.delete(gate.name);
  return {
    include: parts.flatMap((p) => p.include),
    exclude: parts.flatMap((p) => p.exclude),
    notes: parts.flatMap((p) => p.notes),
  };
}

/** The negation of a conjunction of one rule (`include a` <-> `exclude a`); several would be an OR. */
function negate(conjunction: Conjunction, c: PayloadCondition): Conjunction {
  const size = conjunction.include.length + conjunction.exclude.length;
  if (size !== 1)
    throw new Untranslatable(
      `${quote(c.raw, 120)} is ${size === 0 ? "always true, so its negation excludes everyone" : `${size} manifest rules, and its negation an OR of them`}`,
    );
  return { include: [...conjunction.exclude], exclude: [...conjunction.include], notes: conjunction.notes };
}

/**
 * The mode refuses an experiment with a rule it cannot decide from the unit that is not in `skip_rules`:
 * check with the mode's own evaluator that none is left, so the manifest written loads.
 */
function confirmUnitDecides(payload: unknown, experiments: readonly ImportedExperiment[]): void {
  for (const e of experiments) {
    const h = e.hashing as StatsigHashing;
    const name = h.experiment ?? e.id;
    const evaluator = new statsig.StatsigEvaluator(payload as statsig.StatsigPayload, {
      skipRules: { [name]: h.skipRules ?? [] },
    });
    const left = evaluator.contextRules(name);
    if (left.length > 0)
      throw new Error(
        `experiment ${name}: rule ${left[0]!.ruleId} still needs user attributes after the import`,
      );
  }
}
