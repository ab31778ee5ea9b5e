/**
 * statsig-node's `download_config_specs` (v1: specs in lists, conditions inline) rewritten in the v2 map format
 * `@statsig/statsig-node-core` reads, so a payload saved from the legacy SDK still runs on the current one.
 */

type Json = Record<string, unknown>;
const LISTS = {
  feature_gates: "feature_gate",
  dynamic_configs: "dynamic_config",
  layer_configs: "layer",
} as const;

/** Whether the payload is in the v1 format (any of its spec collections is a list). */
export function isV1Specs(payload: Json): boolean {
  return Object.keys(LISTS).some((field) => Array.isArray(payload[field]));
}

/**
 * The v2 form of a v1 payload: specs keyed by name; every condition moved to `condition_map` under a key of its
 * own (identical conditions share one); `experiment_to_layer` from v1's `layers`; the fields v2 requires and v1
 * may leave out filled with Statsig's defaults (`idType` `userID`, the entity of the list). Throws a TypeError
 * naming the list and index of a spec without a name.
 */
export function v1ToV2Specs(payload: Json): Json {
  const conditionMap: Record<string, Json> = {};
  const keys = new Map<string, string>();
  const keyOf = (condition: Json): string => {
    const full = { idType: "userID", ...condition };
    const text = JSON.stringify(full);
    let key = keys.get(text);
    if (key === undefined) {
      key = `v1:${keys.size}`;
      keys.set(text, key);
      conditionMap[key] = full;
    }
    return key;
  };
  const out: Json = { ...payload };
  for (const [field, entity] of Object.entries(LISTS)) {
    const list = payload[field];
    if (!Array.isArray(list)) continue;
    const specs: Record<string, Json> = {};
    for (const [index, spec] of (list as Json[]).entries()) {
      const { name, ...rest } = spec;
      if (typeof name !== "string" || name === "") throw new TypeError(`${field}[${index}] has no name`);
      const rules = Array.isArray(rest.rules) ? (rest.rules as Json[]) : [];
      specs[name] = {
        idType: "userID",
        entity,
        defaultValue: {},
        ...rest,
        rules: rules.map((rule) => ({
          idType: "userID",
          returnValue: {},
          ...rule,
          conditions: (Array.isArray(rule.conditions) ? (rule.conditions as Json[]) : []).map(keyOf),
        })),
      };
    }
    out[field] = specs;
  }
  for (const field of Object.keys(LISTS)) if (out[field] === undefined) out[field] = {};
  const experimentToLayer: Record<string, string> = {};
  const layers = payload.layers;
  if (typeof layers === "object" && layers !== null) {
    for (const [layer, experiments] of Object.entries(layers as Record<string, unknown>)) {
      if (Array.isArray(experiments))
        for (const e of experiments) if (typeof e === "string") experimentToLayer[e] = layer;
    }
  }
  out.condition_map = conditionMap;
  out.experiment_to_layer = experimentToLayer;
  out.has_updates = true;
  if (typeof out.time !== "number") out.time = 0;
  return out;
}
