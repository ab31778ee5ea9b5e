import type { ConfigSpecsPayload, Spec, SpecCondition, SpecRule } from "./index.js";

/** A rule of the v2 payload: its conditions are keys of the payload's `condition_map`. */
export type SpecRuleV2 = Omit<SpecRule, "conditions"> & { readonly conditions: readonly string[] };

/** A spec of the v2 payload, keyed by its name (which it may omit). */
export type SpecV2 = Omit<Spec, "name" | "rules"> & {
  readonly name?: string | undefined;
  readonly rules: readonly SpecRuleV2[];
};

/**
 * The v2 `download_config_specs` payload (`/v2/download_config_specs`, what `@statsig/statsig-node-core`
 * downloads): specs keyed by name, each rule's conditions named by key in one shared `condition_map`.
 */
export interface ConfigSpecsPayloadV2 {
  readonly feature_gates?: Readonly<Record<string, SpecV2>> | undefined;
  readonly dynamic_configs?: Readonly<Record<string, SpecV2>> | undefined;
  readonly layer_configs?: Readonly<Record<string, SpecV2>> | undefined;
  readonly condition_map?: Readonly<Record<string, SpecCondition>> | undefined;
}

/** Either payload format: v1 (arrays, conditions inline; statsig-node) or v2 (maps and a condition map). */
export type StatsigPayload = ConfigSpecsPayload | ConfigSpecsPayloadV2;

/** The payload's specs in the v1 shape (name on each spec, conditions inline), whichever format it is in. */
export interface PayloadSpecs {
  readonly gates: readonly Spec[];
  readonly configs: readonly Spec[];
  readonly layers: readonly Spec[];
}

/**
 * Reads either format into v1-shaped specs. Throws a TypeError naming the spec, rule and key for a v2 rule
 * whose condition key `condition_map` does not hold, or a spec list that is neither an array nor a map.
 */
export function payloadSpecs(payload: StatsigPayload): PayloadSpecs {
  const conditions = (payload as ConfigSpecsPayloadV2).condition_map ?? {};
  const read = (field: "feature_gates" | "dynamic_configs" | "layer_configs"): Spec[] => {
    const list: unknown = payload[field];
    if (list === undefined || list === null) return [];
    if (Array.isArray(list)) return list as Spec[];
    if (typeof list !== "object")
      throw new TypeError(`statsig: ${field} is neither a list nor a map of specs`);
    return Object.entries(list as Record<string, SpecV2>).map(([name, spec]) => ({
      ...spec,
      name: spec.name ?? name,
      rules: spec.rules.map((rule) => ({
        ...rule,
        conditions: rule.conditions.map((key) => {
          const condition = Object.hasOwn(conditions, key) ? conditions[key] : undefined;
          if (condition === undefined) {
            throw new TypeError(
              `statsig: rule ${JSON.stringify(rule.id)} of ${field}.${name} names condition ${JSON.stringify(key)}, which condition_map does not hold`,
            );
          }
          return condition;
        }),
      })),
    }));
  };
  return { gates: read("feature_gates"), configs: read("dynamic_configs"), layers: read("layer_configs") };
}

/** The experiment (dynamic config) named `name` in either format, or undefined. */
export function findExperimentSpec(payload: StatsigPayload, name: string): Spec | undefined {
  return payloadSpecs(payload).configs.find((s) => s.name === name);
}
