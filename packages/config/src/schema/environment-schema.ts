import type { VariantDefinition } from "@assay/core";
import type { ManifestPath } from "../path.js";
import { controlRule } from "../rules/control-rule.js";
import { totalWeightRule } from "../rules/total-weight-rule.js";
import { uniqueVariantIdsRule } from "../rules/unique-variant-ids-rule.js";
import { nearest } from "../suggest.js";
import { isTable } from "../toml-value.js";
import { type Check, type CheckContext, INVALID, type Invalid } from "./check.js";
import { arrayOf } from "./collections.js";
import { finiteNumber, flag, mismatch, text } from "./scalars.js";
import { optional, type TableSchema, tableOf } from "./table.js";
import { variantSchema } from "./variant-schema.js";

/** Names of environments: letters, digits, `_` and `-`. */
export const ENVIRONMENT_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A table whose every value passes `element`: `{ staging = {...}, production = {...} }`. */
export function mapOf<T>(
  element: Check<T>,
  options: { expected: string; key?: { pattern: RegExp; expected: string } },
): Check<Readonly<Record<string, T>>> {
  return (value, path, ctx) => {
    if (!isTable(value)) return mismatch(ctx, path, options.expected, value);
    let valid = true;
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(value)) {
      if (options.key && !options.key.pattern.test(key)) {
        ctx.report([...path, key], `must be ${options.key.expected}, got ${JSON.stringify(key)}`, "key");
        valid = false;
        continue;
      }
      const checked = element(item, [...path, key], ctx);
      if (checked === INVALID) valid = false;
      else setOwn(out, key, checked);
    }
    return valid ? Object.freeze(out) : INVALID;
  };
}

export const TRAFFIC = finiteNumber({
  expected: "a number from 0 to 1 (the share of units enrolled; 0.25 = 25%)",
  min: 0,
  max: 1,
});

const WEIGHT = finiteNumber({ expected: "a finite number >= 0 (a relative weight, e.g. 90)", min: 0 });

/** `forced = { treatment = ["qa-alice", "qa-bob"] }`: variant id -> unit ids (checked against the variants later). */
export const forcedTable = mapOf(
  arrayOf(text({ expected: 'a non-empty unit id (e.g. "qa-alice")' }), {
    expected: 'an array of unit ids, e.g. ["qa-alice", "qa-bob"]',
  }),
  { expected: 'a table of variant id -> unit ids, e.g. { treatment = ["qa-alice"] }' },
);

const VARIANT = '{ id = "control", weight = 50, is_control = true }';

/** Keys of `[plugins.experiments.env.<name>]`: what an environment changes. */
export const environmentFields = {
  /** The environment's own variant set (ids, weights, values); see applyEnvironment for what must stay. */
  variants: optional(
    arrayOf(tableOf(variantSchema, `an inline table like ${VARIANT}`), {
      expected: `an array of variants like [${VARIANT}, { id = "treatment", weight = 50 }]`,
      min: { count: 2, why: "variants (a control and at least one treatment)" },
    }),
  ),
  traffic: optional(TRAFFIC),
  enabled: optional(flag({ expected: "true or false (false: everyone gets control, nobody enrolled)" })),
  weights: optional(
    mapOf(WEIGHT, {
      expected: "a table of variant id -> relative weight, e.g. { control = 90, treatment = 10 }",
    }),
  ),
  forced: optional(forcedTable),
};

export type EnvironmentOverride = {
  readonly variants?: readonly VariantDefinition[] | undefined;
  readonly traffic?: number | undefined;
  readonly enabled?: boolean | undefined;
  readonly weights?: Readonly<Record<string, number>> | undefined;
  readonly forced?: Readonly<Record<string, readonly string[]>> | undefined;
};

export const environmentSchema: TableSchema<typeof environmentFields, EnvironmentOverride> = {
  where: "in environment block",
  fields: environmentFields,
  // An environment's own variant set is checked as the base's is: unique ids, one control, weight above 0.
  rules: [uniqueVariantIdsRule, controlRule, totalWeightRule],
  build: (values) => Object.freeze({ ...values }),
};

export const environmentsTable = mapOf(
  tableOf(environmentSchema, "a table like { traffic = 0.5, weights = { control = 50, treatment = 50 } }"),
  {
    expected: "a table of environment name -> overrides, written as [plugins.experiments.env.staging]",
    key: { pattern: ENVIRONMENT_PATTERN, expected: "an environment name (letters, digits, _ and -)" },
  },
);

/** What an experiment's assignment depends on, before or after an environment's overrides. */
export interface Effective {
  readonly variants: readonly VariantDefinition[];
  readonly traffic: number;
  readonly enabled: boolean;
  readonly forced: Readonly<Record<string, string>> | undefined;
}

/**
 * `forced` as the runtime wants it, unit id -> variant id. Every key must be one of the experiment's variants
 * (with the nearest suggested), and a unit may be forced into one variant only.
 */
export function forcedByUnit(
  forced: Readonly<Record<string, readonly string[]>>,
  variants: readonly VariantDefinition[],
  path: ManifestPath,
  ctx: CheckContext,
): Readonly<Record<string, string>> | Invalid {
  const ids = variants.map((v) => v.id);
  const byUnit: Record<string, string> = {};
  const where = new Map<string, ManifestPath>();
  let valid = true;
  for (const [variant, units] of Object.entries(forced)) {
    if (!ids.includes(variant)) {
      const near = nearest(variant, ids);
      ctx.report(
        [...path, variant],
        `no variant \`${variant}\` in this experiment${near === undefined ? "" : `; did you mean \`${near}\`?`} (variants: ${ids.join(", ")})`,
        "key",
      );
      valid = false;
      continue;
    }
    units.forEach((unit, index) => {
      const earlier = where.get(unit);
      if (earlier !== undefined) {
        ctx.report(
          [...path, variant, index],
          `unit \`${unit}\` is already forced into \`${byUnit[unit]}\` on line ${ctx.locate(earlier).line}; a unit is forced into one variant`,
        );
        valid = false;
        return;
      }
      where.set(unit, [...path, variant, index]);
      setOwn(byUnit, unit, variant);
    });
  }
  return valid ? Object.freeze(byUnit) : INVALID;
}

/**
 * The experiment as one environment runs it: `traffic` and `enabled` replace the base, `weights` replace the
 * weights of the variants they name, `forced` replaces the base's forced units. The merged result is checked
 * as the base is (weight keys are variants, total weight above 0, forced keys are variants), at the
 * environment block's lines, whichever environment is selected.
 */
export function applyEnvironment(
  base: Effective,
  override: EnvironmentOverride,
  path: ManifestPath,
  ctx: CheckContext,
  options: { readonly sticky: boolean } = { sticky: false },
): Effective | Invalid {
  let valid = true;
  let variants = base.variants;
  if (override.variants !== undefined) {
    const own = ownVariants(base, override, path, ctx, options.sticky);
    if (own === INVALID) valid = false;
    else variants = own;
  } else if (override.weights !== undefined) {
    const ids = base.variants.map((v) => v.id);
    for (const id of Object.keys(override.weights)) {
      if (ids.includes(id)) continue;
      const near = nearest(id, ids);
      ctx.report(
        [...path, "weights", id],
        `no variant \`${id}\` in this experiment${near === undefined ? "" : `; did you mean \`${near}\`?`} (variants: ${ids.join(", ")})`,
        "key",
      );
      valid = false;
    }
    const weights = override.weights;
    variants = base.variants.map((v) =>
      Object.hasOwn(weights, v.id) ? Object.freeze({ ...v, weight: weights[v.id]! }) : v,
    );
    const total = variants.reduce((sum, v) => sum + v.weight, 0);
    if (valid && total === 0) {
      ctx.report(
        [...path, "weights"],
        "total weight in this environment is 0: at least one variant needs a weight > 0",
      );
      valid = false;
    }
  }
  let forced = base.forced;
  if (override.forced !== undefined) {
    const byUnit = forcedByUnit(override.forced, variants, [...path, "forced"], ctx);
    if (byUnit === INVALID) valid = false;
    else forced = byUnit;
  } else if (override.variants !== undefined && forced !== undefined) {
    // The base's forced units must still name a variant of this environment's set.
    const ids = new Set(variants.map((v) => v.id));
    for (const [unit, variant] of Object.entries(forced)) {
      if (ids.has(variant)) continue;
      ctx.report(
        [...path, "variants"],
        `unit \`${unit}\` is forced into \`${variant}\`, which this environment's variants do not have; give the environment its own \`forced\``,
      );
      valid = false;
    }
  }
  if (!valid) return INVALID;
  return {
    variants: Object.freeze(variants),
    traffic: override.traffic ?? base.traffic,
    enabled: override.enabled ?? base.enabled,
    forced,
  };
}

/**
 * An environment's own variant set, checked against the base: the same control (every result compares
 * against it), and for a sticky experiment the same ids (stored assignments name them; a unit whose stored
 * variant vanished would be assigned afresh). Weights and values may differ; `weights` beside it is refused.
 */
function ownVariants(
  base: Effective,
  override: EnvironmentOverride,
  path: ManifestPath,
  ctx: CheckContext,
  sticky: boolean,
): readonly VariantDefinition[] | Invalid {
  const own = override.variants!;
  let valid = true;
  if (override.weights !== undefined) {
    ctx.report(
      [...path, "weights"],
      "give an environment either its own `variants` or `weights`, not both (its variants carry their weights)",
      "key",
    );
    valid = false;
  }
  const baseControl = base.variants.find((v) => v.isControl)?.id;
  const index = own.findIndex((v) => v.isControl);
  if (baseControl !== undefined && index >= 0 && own[index]!.id !== baseControl) {
    ctx.report(
      [...path, "variants", index, "id"],
      `the control must stay \`${baseControl}\` in every environment (every variant is compared with it), got \`${own[index]!.id}\``,
    );
    valid = false;
  }
  if (sticky) {
    const ids = new Set(own.map((v) => v.id));
    const baseIds = new Set(base.variants.map((v) => v.id));
    const missing = [...baseIds].filter((id) => !ids.has(id));
    const extra = [...ids].filter((id) => !baseIds.has(id));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        ...(missing.length > 0 ? [`missing ${missing.map((id) => `\`${id}\``).join(", ")}`] : []),
        ...(extra.length > 0 ? [`not in the base ${extra.map((id) => `\`${id}\``).join(", ")}`] : []),
      ];
      ctx.report(
        [...path, "variants"],
        `a sticky experiment keeps the same variant ids in every environment (stored assignments name them): ${parts.join("; ")}`,
      );
      valid = false;
    }
  }
  return valid ? Object.freeze([...own]) : INVALID;
}

/**
 * `table[key] = value`, except that a key named `__proto__` becomes an own entry like any other: assignment would
 * set the object's prototype instead and the entry would vanish without a word (a unit id or variant id can be
 * "__proto__").
 */
function setOwn<T>(table: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
}
