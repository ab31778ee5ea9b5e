import type { ExperimentDefinition } from "@assay/core";

/** A Statsig experiment to write into a `download_config_specs` v2 payload. */
export interface ExperimentSpec {
  readonly name: string;
  readonly salt: string;
  /** Group names and relative weights, in order. */
  readonly groups: readonly { readonly name: string; readonly weight: number }[];
  /** Share of the (implicit) layer allocated to the experiment, 0..1. Default 1. */
  readonly allocation?: number;
  /** Statsig id type the experiment is randomized by. Default `userID`. */
  readonly idType?: string;
  /** Appended to the group rules' ids: a new revision of the experiment (Statsig gives new rules new ids). */
  readonly ruleSuffix?: string;
  /** A targeting gate: units that fail it are not in the experiment. */
  readonly targetingGate?: string;
}

/** A feature gate (targeting) of the payload: every condition of its single rule must hold. */
export interface GateSpec {
  readonly name: string;
  readonly conditions: readonly Condition[];
}

export interface Condition {
  readonly type: string;
  readonly targetValue: unknown;
  readonly operator: string | null;
  readonly field: string | null;
  readonly additionalValues: Record<string, string>;
  readonly idType: string;
}

/** A `user_field` condition: `field` (a top-level user field or a custom one) is one of `values`. */
export const fieldIn = (field: string, values: readonly string[]): Condition => ({
  type: "user_field",
  targetValue: values,
  operator: "any",
  field,
  additionalValues: {},
  idType: "userID",
});

/**
 * Builds a payload in the v2 (map) format Statsig's server core downloads: specs keyed by name, rule
 * conditions as keys of `condition_map`. Experiments are written the way Statsig's console does: an optional
 * `layerAssignment` rule catching the units outside the allocation, an optional `targetingGate` rule, then one
 * group rule per group, `user_bucket(salt) < cumulative threshold` over 1000 buckets.
 */
export function buildSpecs(
  experiments: readonly ExperimentSpec[],
  gates: readonly GateSpec[] = [],
  time = 1_767_000_000_000,
): Record<string, unknown> {
  const conditionMap: Record<string, Condition> = {};
  const keyOf = (c: Condition) => {
    const key = `c${Object.keys(conditionMap).length + 1}`;
    conditionMap[key] = c;
    return key;
  };
  const rule = (
    id: string,
    conditions: Condition[],
    idType: string,
    extra: Record<string, unknown> = {},
  ) => ({
    name: id,
    passPercentage: 100,
    conditions: conditions.map(keyOf),
    returnValue: {},
    id,
    salt: "",
    idType,
    ...extra,
  });
  const dynamicConfigs: Record<string, unknown> = {};
  for (const e of experiments) {
    const idType = e.idType ?? "userID";
    const rules: unknown[] = [];
    const allocation = e.allocation ?? 1;
    if (allocation < 1) {
      const outside: Record<string, boolean> = {};
      for (let b = Math.round(allocation * 1000); b < 1000; b++) outside[String(b)] = true;
      const bucket = { type: "user_bucket", operator: "any", field: null, idType };
      rules.push(
        rule(
          "layerAssignment",
          [{ ...bucket, targetValue: outside, additionalValues: { salt: `${e.salt}-layer` } }],
          idType,
        ),
      );
    }
    if (e.targetingGate !== undefined) {
      const gate = { operator: null, field: null, additionalValues: {}, idType };
      rules.push(
        rule("targetingGate", [{ ...gate, type: "fail_gate", targetValue: e.targetingGate }], idType),
      );
    }
    const total = e.groups.reduce((a, g) => a + g.weight, 0);
    let cumulative = 0;
    for (const [i, g] of e.groups.entries()) {
      cumulative += g.weight;
      const threshold = Math.round((cumulative / total) * 1000);
      const condition = {
        type: "user_bucket",
        targetValue: threshold,
        operator: "lt",
        field: null,
        additionalValues: { salt: e.salt },
        idType,
      };
      rules.push(
        rule(`${e.name}-group-${i}${e.ruleSuffix ?? ""}`, [condition], idType, {
          groupName: g.name,
          salt: `${e.name}-group-${i}${e.ruleSuffix ?? ""}`,
          isExperimentGroup: true,
          returnValue: { group: g.name },
        }),
      );
    }
    dynamicConfigs[e.name] = {
      type: "dynamic_config",
      salt: e.salt,
      enabled: true,
      defaultValue: {},
      rules,
      idType,
      entity: "experiment",
      isActive: true,
      hasSharedParams: false,
      version: 1,
    };
  }
  const featureGates: Record<string, unknown> = {};
  for (const g of gates) {
    featureGates[g.name] = {
      type: "feature_gate",
      salt: `${g.name}-salt`,
      enabled: true,
      defaultValue: false,
      rules: [{ ...rule(`${g.name}-rule`, [...g.conditions], "userID"), returnValue: true }],
      idType: "userID",
      entity: "feature_gate",
    };
  }
  return {
    feature_gates: featureGates,
    dynamic_configs: dynamicConfigs,
    layer_configs: {},
    condition_map: conditionMap,
    experiment_to_layer: {},
    has_updates: true,
    time,
    response_format: "dcs-v2",
  };
}

/** Specs serving Assay experiment definitions: group names = variant ids, weights and traffic as declared. */
export function specsFor(experiments: readonly ExperimentDefinition[]): Record<string, unknown> {
  return buildSpecs(
    experiments.map((e) => ({
      name: e.id,
      salt: e.salt ?? `${e.id}-salt`,
      groups: e.variants.map((v) => ({ name: v.id, weight: v.weight })),
      allocation: e.traffic,
    })),
  );
}
