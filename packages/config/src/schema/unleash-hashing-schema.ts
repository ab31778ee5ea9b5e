import type {
  HashingMode,
  UnleashHashing,
  UnleashOverride,
  UnleashStrategy,
  UnleashStrategyVariant,
} from "@assay/core";
import type { ManifestPath } from "../path.js";
import { nearest } from "../suggest.js";
import { type CheckContext, peek } from "./check.js";
import { arrayOf } from "./collections.js";
import { finiteNumber, flag, integer, text } from "./scalars.js";
import { type FieldValues, optional, required, type TableSchema, tableOf, withDefault } from "./table.js";
import { targetingTable } from "./targeting-schema.js";

/**
 * The `unleash` mode's strategy keys (`strategies`, `variant_stickiness`, `toggle_variants`, `overrides`):
 * a toggle evaluated strategy by strategy, as unleash-client does. Kept apart from hashing-schema.ts, which
 * adds these fields to the mode's table.
 */
const stickinessText = (what: string) =>
  text({
    expected: `"default" (userId, else sessionId, else random), "random", or a context field or property name (${what})`,
  });
const fieldName = text({ expected: 'a context field or property name, e.g. "userId" or "plan"' });
const values = arrayOf(text({ expected: "a string", allowBlank: true }), {
  expected: 'an array of strings, e.g. ["user-1", "user-2"]',
});

const variantOverrideFields = {
  field: required(fieldName, 'the context field it reads, e.g. field = "userId"'),
  values: required(values, 'the values that get the variant, e.g. values = ["user-1"]'),
};
const variantOverrideSchema: TableSchema<
  typeof variantOverrideFields,
  { readonly field: string; readonly values: readonly string[] }
> = {
  where: "in override",
  fields: variantOverrideFields,
  build: (v) => Object.freeze({ field: v.field, values: Object.freeze(v.values) }),
};

const strategyVariantFields = {
  id: required(text({ expected: "a variant id of this experiment" }), 'the variant, e.g. id = "blue"'),
  weight: required(
    integer({ expected: "a whole number >= 0 (Unleash weights are out of 1000)", min: 0 }),
    "the variant's weight, e.g. weight = 500",
  ),
  overrides: optional(
    arrayOf(tableOf(variantOverrideSchema, 'an inline table like { field = "userId", values = ["u1"] }'), {
      expected: 'an array of overrides like [{ field = "userId", values = ["u1"] }]',
    }),
  ),
};
const strategyVariantSchema: TableSchema<typeof strategyVariantFields, UnleashStrategyVariant> = {
  where: "in strategy variant",
  fields: strategyVariantFields,
  build: (v) =>
    Object.freeze({
      id: v.id,
      weight: v.weight,
      ...(v.overrides === undefined ? {} : { overrides: Object.freeze(v.overrides) }),
    }),
};

const strategyFields = {
  enabled: withDefault(
    flag({ expected: "true or false (false: the SDK never enables it, e.g. its segment is missing)" }),
    true,
  ),
  rollout: withDefault(
    finiteNumber({ expected: "a percentage from 0 to 100 (the strategy's rollout)", min: 0, max: 100 }),
    100,
  ),
  group_id: withDefault(
    text({
      expected: 'a string (the rollout hash\'s groupId; "" when the strategy has none)',
      allowBlank: true,
    }),
    "",
  ),
  stickiness: withDefault(stickinessText("what the rollout hashes"), "default"),
  targeting: optional(targetingTable),
  variants: optional(
    arrayOf(tableOf(strategyVariantSchema, 'an inline table like { id = "blue", weight = 500 }'), {
      expected: 'an array of strategy variants like [{ id = "blue", weight = 500 }]',
    }),
  ),
  variant_group_id: optional(
    text({
      expected: "a string (the strategy variants' hash group; the SDK's groupId as given)",
      allowBlank: true,
    }),
  ),
  variant_stickiness: optional(stickinessText("what the strategy variants hash")),
};
const strategySchema: TableSchema<typeof strategyFields, UnleashStrategy> = {
  where: "in strategy",
  fields: strategyFields,
  build: (v) =>
    Object.freeze({
      enabled: v.enabled,
      rollout: v.rollout,
      groupId: v.group_id,
      stickiness: v.stickiness,
      ...(v.targeting === undefined ? {} : { targeting: v.targeting }),
      ...(v.variants === undefined ? {} : { variants: Object.freeze(v.variants) }),
      ...(v.variant_group_id === undefined ? {} : { variantGroupId: v.variant_group_id }),
      ...(v.variant_stickiness === undefined ? {} : { variantStickiness: v.variant_stickiness }),
    }),
};

const toggleOverrideFields = {
  variant: required(
    text({ expected: "a variant id of this experiment" }),
    'the variant served, e.g. variant = "blue"',
  ),
  field: required(fieldName, 'the context field it reads, e.g. field = "userId"'),
  values: required(values, 'the values that get the variant, e.g. values = ["user-1"]'),
};
const toggleOverrideSchema: TableSchema<typeof toggleOverrideFields, UnleashOverride> = {
  where: "in override",
  fields: toggleOverrideFields,
  build: (v) => Object.freeze({ variant: v.variant, field: v.field, values: Object.freeze(v.values) }),
};

/** The keys the `unleash` mode's table adds for strategies. */
export const unleashStrategyFields = {
  strategies: optional(
    arrayOf(tableOf(strategySchema, 'an inline table like { rollout = 50, group_id = "checkout" }'), {
      expected:
        'an array of strategies like [{ rollout = 50, group_id = "checkout" }], in the toggle\'s order',
    }),
  ),
  variant_stickiness: optional(stickinessText("what the toggle's own variants hash")),
  toggle_variants: optional(
    flag({ expected: "true or false (false: the toggle has no variants of its own)" }),
  ),
  overrides: optional(
    arrayOf(
      tableOf(
        toggleOverrideSchema,
        'an inline table like { variant = "blue", field = "userId", values = ["u1"] }',
      ),
      { expected: 'an array of overrides like [{ variant = "blue", field = "userId", values = ["u1"] }]' },
    ),
  ),
};

/** The part of `UnleashHashing` these keys build. */
export function unleashStrategyValues(
  v: FieldValues<typeof unleashStrategyFields>,
): Omit<UnleashHashing, "mode" | "groupId" | "variantGroupId"> {
  return {
    ...(v.strategies === undefined ? {} : { strategies: Object.freeze(v.strategies) }),
    ...(v.variant_stickiness === undefined ? {} : { variantStickiness: v.variant_stickiness }),
    ...(v.toggle_variants === undefined ? {} : { toggleVariants: v.toggle_variants }),
    ...(v.overrides === undefined ? {} : { overrides: Object.freeze(v.overrides) }),
  };
}

/**
 * What strategies need from the rest of the experiment: `traffic` left at 1 (the strategies' rollouts decide),
 * and every variant a strategy or an override names declared among the experiment's variants.
 */
export function checkUnleashStrategies(
  hashing: UnleashHashing,
  experiment: Readonly<Record<string, unknown>>,
  path: ManifestPath,
  ctx: CheckContext,
): void {
  if (hashing.strategies === undefined) {
    const raw = experiment.hashing as Readonly<Record<string, unknown>>;
    for (const key of ["variant_stickiness", "toggle_variants", "overrides"])
      if (Object.hasOwn(raw, key))
        ctx.report(
          [...path, "hashing", key],
          "needs `strategies` (the toggle's strategies in order; `strategies = []` when it has none)",
          "key",
        );
    return;
  }
  if (Object.hasOwn(experiment, "traffic") && experiment.traffic !== 1) {
    ctx.report(
      [...path, "traffic"],
      "must be left out when hashing.strategies is set: each strategy's rollout decides who is enabled",
      "key",
    );
  }
  const variants = Array.isArray(experiment.variants) ? experiment.variants : undefined;
  if (variants === undefined) return;
  const ids = new Set(
    variants.map((v) => peek(text({ expected: "" }), (v as Record<string, unknown> | null)?.id)),
  );
  const declared = [...ids].filter((id) => id !== undefined).join(", ");
  const at = [...path, "hashing"];
  const known = [...ids].filter((id): id is string => id !== undefined);
  const unknown = (where: ManifestPath, id: string) => {
    const near = nearest(id, known);
    const hint = near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
    ctx.report(
      where,
      `names variant ${JSON.stringify(id)}, which the experiment does not declare (${declared})${hint}`,
    );
  };
  hashing.strategies?.forEach((s, i) => {
    s.variants?.forEach((v, j) => {
      if (!ids.has(v.id)) unknown([...at, "strategies", i, "variants", j, "id"], v.id);
    });
  });
  hashing.overrides?.forEach((o, i) => {
    if (!ids.has(o.variant)) unknown([...at, "overrides", i, "variant"], o.variant);
  });
}

/**
 * An `env.<name>` block of an experiment with Unleash strategies may not set `traffic`: the strategies' rollouts
 * decide who is enabled (the backend would refuse the manifest at load).
 */
export function unleashEnvironmentAllows(
  hashing: HashingMode | undefined,
  override: { readonly traffic?: number | undefined },
  path: ManifestPath,
  ctx: CheckContext,
): boolean {
  if (hashing?.mode !== "unleash" || hashing.strategies === undefined || override.traffic === undefined)
    return true;
  ctx.report(
    [...path, "traffic"],
    "must be left out when hashing.strategies is set: each strategy's rollout decides who is enabled",
    "key",
  );
  return false;
}
