import type { statsig } from "../../src/index.js";
import { prng, readVector } from "./helpers.js";

/** statsig-node's test payload (v1 format), from the vectors. */
export const payload = readVector<statsig.ConfigSpecsPayload & Record<string, unknown>>(
  "statsig-download-config-specs.json",
);

// An experiment in its own layer with a non-contiguous allocation (37% of the layer's 1000 buckets), three
// groups, a targeting gate; gates at 37.5% and on a custom id type.
const rand = prng(2026);
const allocated = [...Array(1000).keys()].filter(() => rand() < 0.37);
const bucketRule = (salt: string, operator: string, targetValue: unknown) => ({
  type: "user_bucket",
  targetValue,
  operator,
  field: null,
  additionalValues: { salt },
  isDeviceBased: false,
  idType: "userID",
});
const groupRule = (id: string, groupName: string, threshold: number, passPercentage = 100) => ({
  name: id,
  groupName,
  passPercentage,
  conditions: [bucketRule("exp-salt-x", "lt", threshold)],
  returnValue: { group: groupName },
  id,
  salt: id,
  isDeviceBased: false,
  idType: "userID",
  isExperimentGroup: true,
});
const gate = (name: string, salt: string, passPercentage: number, idType: string) => ({
  name,
  type: "feature_gate",
  salt,
  enabled: true,
  defaultValue: false,
  rules: [
    {
      name: `${name}-rule`,
      passPercentage,
      conditions: [
        { type: "public", targetValue: null, operator: null, field: null, additionalValues: {}, idType },
      ],
      returnValue: true,
      id: `${name}-rule`,
      salt: `${name}-rule-salt`,
      idType,
    },
  ],
  idType,
  entity: "feature_gate",
});
/** The vector payload plus the experiment, layer and gates below (v1 format). */
export const augmented = {
  ...payload,
  feature_gates: [
    ...(payload.feature_gates ?? []),
    gate("gate_37_5", "gate-salt-a", 37.5, "userID"),
    gate("company_gate_60", "gate-salt-b", 60, "companyID"),
  ],
  dynamic_configs: [
    ...(payload.dynamic_configs ?? []),
    {
      // not a shape Statsig's console writes: a group rule that passes only half of its units
      name: "half_pass_experiment",
      type: "dynamic_config",
      salt: "exp-salt-x",
      enabled: true,
      defaultValue: {},
      rules: [groupRule("half-a", "A", 500, 50), groupRule("half-b", "B", 1000)],
      idType: "userID",
      entity: "experiment",
      isActive: true,
    },
    {
      name: "alloc_experiment",
      type: "dynamic_config",
      salt: "exp-salt-x",
      enabled: true,
      defaultValue: {},
      rules: [
        {
          name: "layerAssignment",
          passPercentage: 100,
          conditions: [bucketRule("layer-salt-y", "none", allocated)],
          returnValue: {},
          id: "layerAssignment",
          salt: "",
          idType: "userID",
          isExperimentGroup: false,
        },
        {
          name: "targetingGate",
          passPercentage: 100,
          conditions: [
            {
              type: "fail_gate",
              targetValue: "gate_37_5",
              operator: null,
              field: null,
              additionalValues: {},
            },
          ],
          returnValue: {},
          id: "targetingGate",
          salt: "",
          idType: "userID",
        },
        groupRule("rule-control", "Control", 333),
        groupRule("rule-t1", "Treatment 1", 666),
        groupRule("rule-t2", "Treatment 2", 1000),
      ],
      idType: "userID",
      entity: "experiment",
      isActive: true,
    },
  ],
  layer_configs: [
    ...(payload.layer_configs ?? []),
    {
      name: "statsig::alloc_layer",
      type: "dynamic_config",
      salt: "layer-salt-y",
      enabled: true,
      defaultValue: {},
      rules: [
        {
          name: "experimentAssignment",
          passPercentage: 100,
          conditions: [bucketRule("layer-salt-y", "any", allocated)],
          returnValue: {},
          id: "experimentAssignment",
          salt: "",
          idType: "userID",
          configDelegate: "alloc_experiment",
        },
      ],
      idType: "userID",
      entity: "layer",
    },
  ],
  layers: { ...(payload.layers as object), "statsig::alloc_layer": ["alloc_experiment"] },
};

/**
 * The same specs in the v2 format `@statsig/statsig-node-core` downloads: specs keyed by name, conditions in one
 * `condition_map` referenced by key, `experiment_to_layer` from `layers`. Fields the v1 vector leaves out and
 * the v2 parser requires get Statsig's defaults (`idType` `userID`, the entity of the list).
 */
export function toV2(v1: Record<string, unknown>): Record<string, unknown> {
  const conditionMap: Record<string, unknown> = {};
  const keys = new Map<string, string>();
  const keyOf = (condition: Record<string, unknown>) => {
    const full = { idType: "userID", ...condition };
    const json = JSON.stringify(full);
    let key = keys.get(json);
    if (key === undefined) {
      key = String(1_000_000 + keys.size);
      keys.set(json, key);
      conditionMap[key] = full;
    }
    return key;
  };
  type V1Spec = { name: string; rules: { conditions: Record<string, unknown>[] }[] };
  const byName = (specs: unknown, entity: string) =>
    Object.fromEntries(
      ((specs as V1Spec[]) ?? []).map(({ name, ...spec }) => [
        name,
        {
          idType: "userID",
          entity,
          ...spec,
          rules: spec.rules.map((r) => ({ idType: "userID", ...r, conditions: r.conditions.map(keyOf) })),
        },
      ]),
    );
  const experimentToLayer: Record<string, string> = {};
  for (const [layer, experiments] of Object.entries((v1.layers ?? {}) as Record<string, string[]>)) {
    for (const e of experiments) experimentToLayer[e] = layer;
  }
  return {
    feature_gates: byName(v1.feature_gates, "feature_gate"),
    dynamic_configs: byName(v1.dynamic_configs, "dynamic_config"),
    layer_configs: byName(v1.layer_configs, "layer"),
    condition_map: conditionMap,
    experiment_to_layer: experimentToLayer,
    has_updates: true,
    time: v1.time ?? 1,
    response_format: "dcs-v2",
  };
}
