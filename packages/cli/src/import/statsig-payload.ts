import { ImportError, isObject, quote } from "./imported.js";

/** A condition of the payload, with the JSON path it was read at. */
export interface PayloadCondition {
  readonly type: string;
  readonly operator: string;
  readonly field: unknown;
  readonly targetValue: unknown;
  readonly idType: string;
  readonly raw: Record<string, unknown>;
  readonly path: string;
}

/** A rule of a spec. */
export interface PayloadRule {
  readonly id: string;
  readonly groupName: string | undefined;
  readonly isExperimentGroup: boolean;
  readonly passPercentage: number;
  readonly returnsFalse: boolean;
  readonly conditions: readonly PayloadCondition[];
  readonly path: string;
}

/** A gate, config, experiment or layer of the payload. */
export interface PayloadSpec {
  readonly name: string;
  readonly salt: string;
  readonly enabled: boolean;
  readonly entity: string;
  readonly idType: string;
  readonly isActive: boolean | undefined;
  readonly rules: readonly PayloadRule[];
  readonly raw: Record<string, unknown>;
  readonly path: string;
}

/** The specs of a `download_config_specs` payload, either format, by name. */
export interface StatsigSpecs {
  readonly format: "v1" | "v2";
  readonly gates: ReadonlyMap<string, PayloadSpec>;
  readonly configs: readonly PayloadSpec[];
  /** Experiment name -> the config mappings (`overrides`) of the v2 payload that can replace it. */
  readonly configMappings: ReadonlySet<string>;
}

const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/**
 * Reads a Statsig `download_config_specs` payload: the v1 format (statsig-node: spec arrays, conditions inline)
 * or v2 (`@statsig/statsig-node-core`: specs keyed by name, conditions named by key in `condition_map`). A
 * value of the wrong shape is an {@link ImportError} naming its JSON path (`$.dynamic_configs["x"].rules[0]`).
 */
export function readStatsigSpecs(payload: unknown): StatsigSpecs {
  if (!isObject(payload) || (payload.dynamic_configs === undefined && payload.feature_gates === undefined))
    throw new ImportError(
      "a Statsig payload is the JSON object download_config_specs returns, with dynamic_configs and feature_gates",
    );
  const v2 = !Array.isArray(payload.dynamic_configs) && !Array.isArray(payload.feature_gates);
  const conditionMap = isObject(payload.condition_map) ? payload.condition_map : undefined;
  if (v2 && conditionMap === undefined && payload.condition_map !== undefined)
    throw new ImportError("$.condition_map: not an object");
  const read = (field: "feature_gates" | "dynamic_configs"): PayloadSpec[] => {
    const list = payload[field];
    if (list === undefined || list === null) return [];
    const entries: [string | undefined, unknown, string][] = Array.isArray(list)
      ? list.map((s, i) => [undefined, s, `$.${field}[${i}]`])
      : isObject(list)
        ? Object.entries(list).map(([name, s]) => [name, s, `$.${field}${key(name)}`])
        : [];
    if (!Array.isArray(list) && !isObject(list))
      throw new ImportError(`$.${field}: neither a list nor a map of specs`);
    return entries.map(([name, spec, path]) => readSpec(name, spec, path, conditionMap));
  };
  const gates = new Map(read("feature_gates").map((g) => [g.name, g]));
  const mappings = isObject(payload.overrides) ? Object.keys(payload.overrides) : [];
  return {
    format: v2 ? "v2" : "v1",
    gates,
    configs: read("dynamic_configs"),
    configMappings: new Set(mappings),
  };
}

function readSpec(
  mapName: string | undefined,
  spec: unknown,
  path: string,
  conditionMap: Record<string, unknown> | undefined,
): PayloadSpec {
  if (!isObject(spec)) throw new ImportError(`${path}: not a spec object`);
  const name = typeof spec.name === "string" ? spec.name : mapName;
  if (name === undefined || name === "") throw new ImportError(`${path}.name: missing`);
  if (typeof spec.salt !== "string") throw new ImportError(`${path}.salt: not a string`);
  if (!Array.isArray(spec.rules)) throw new ImportError(`${path}.rules: not a list`);
  const idType = typeof spec.idType === "string" && spec.idType !== "" ? spec.idType : "userID";
  const rules = spec.rules.map((rule, i) => readRule(rule, `${path}.rules[${i}]`, conditionMap));
  return {
    name,
    salt: spec.salt,
    enabled: spec.enabled !== false,
    entity: typeof spec.entity === "string" ? spec.entity : typeof spec.type === "string" ? spec.type : "",
    idType,
    isActive: typeof spec.isActive === "boolean" ? spec.isActive : undefined,
    rules,
    raw: spec,
    path,
  };
}

function readRule(
  rule: unknown,
  path: string,
  conditionMap: Record<string, unknown> | undefined,
): PayloadRule {
  if (!isObject(rule)) throw new ImportError(`${path}: not a rule object`);
  if (typeof rule.id !== "string") throw new ImportError(`${path}.id: not a string`);
  const pass = rule.passPercentage;
  if (typeof pass !== "number" || !(pass >= 0 && pass <= 100))
    throw new ImportError(`${path}.passPercentage: not a number from 0 to 100`);
  if (!Array.isArray(rule.conditions)) throw new ImportError(`${path}.conditions: not a list`);
  const conditions = rule.conditions.map((c, i) => {
    const at = `${path}.conditions[${i}]`;
    let condition: unknown = c;
    let where = at;
    if (typeof c === "string") {
      if (conditionMap === undefined || !Object.hasOwn(conditionMap, c))
        throw new ImportError(`${at}: names condition ${quote(c)}, which $.condition_map does not hold`);
      condition = conditionMap[c];
      where = `$.condition_map${key(c)}`;
    }
    if (!isObject(condition) || typeof condition.type !== "string")
      throw new ImportError(`${where}: not a condition with a type`);
    return {
      type: condition.type.toLowerCase(),
      operator: typeof condition.operator === "string" ? condition.operator.toLowerCase() : "",
      field: condition.field,
      targetValue: condition.targetValue,
      // (as the evaluator reads it: a condition without an id type reads the userID)
      idType: typeof condition.idType === "string" && condition.idType !== "" ? condition.idType : "userID",
      raw: condition,
      path: where,
    };
  });
  return {
    id: rule.id,
    groupName: typeof rule.groupName === "string" && rule.groupName !== "" ? rule.groupName : undefined,
    isExperimentGroup: rule.isExperimentGroup === true,
    passPercentage: pass,
    returnsFalse: rule.returnValue === false,
    conditions,
    path,
  };
}
