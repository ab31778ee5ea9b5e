import type { FlagDefinition } from "@assay/core";
import { INVALID } from "./check.js";
import { ENVIRONMENT_PATTERN, mapOf } from "./environment-schema.js";
import { UNIT_PATTERN } from "./experiment-schema.js";
import { finiteNumber, flag, text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf, withDefault } from "./table.js";
import { targetingTable } from "./targeting-schema.js";

const ROLLOUT = finiteNumber({
  expected: "a number from 0 to 1 (the share of units that get the flag; 0.25 = 25%)",
  min: 0,
  max: 1,
});

const flagEnvironmentFields = {
  enabled: optional(flag({ expected: "true or false (false: the flag is off for everyone)" })),
  rollout: optional(ROLLOUT),
};

const flagEnvironmentSchema: TableSchema<
  typeof flagEnvironmentFields,
  { enabled?: boolean | undefined; rollout?: number | undefined }
> = {
  where: "in flag environment block",
  fields: flagEnvironmentFields,
  build: (values) => Object.freeze({ ...values }),
};

/** Keys of a `[[plugins.flags]]` table. */
export const flagFields = {
  key: required(
    text({ expected: 'a non-empty string (the flag key, e.g. "new_checkout")' }),
    "the flag key, unique across the manifest",
  ),
  unit: withDefault(
    text({
      expected: '"user" (the default), "session", or a context attribute name (e.g. "account")',
      pattern: UNIT_PATTERN,
    }),
    "user",
  ),
  enabled: withDefault(
    flag({ expected: "true or false (false: the flag is off for everyone, the kill switch)" }),
    true,
  ),
  rollout: withDefault(ROLLOUT, 1),
  variants: optional(
    (() => {
      const weights = mapOf(finiteNumber({ expected: "a finite number >= 0 (a relative weight)", min: 0 }), {
        expected: "a table of value -> relative weight, e.g. { short = 50, long = 50 }",
      });
      return weights;
    })(),
  ),
  off: optional(
    text({
      expected: 'a string (the value of a string flag for units without it, e.g. "classic")',
      allowBlank: true,
    }),
  ),
  targeting: optional(targetingTable),
  salt: optional(text({ expected: 'a non-empty string (e.g. "2026-q4")' })),
  description: optional(text({ expected: "a string", allowBlank: true })),
  env: optional(
    mapOf(tableOf(flagEnvironmentSchema, "a table like { rollout = 1, enabled = true }"), {
      expected: "a table of environment name -> overrides, written as [plugins.flags.env.staging]",
      key: { pattern: ENVIRONMENT_PATTERN, expected: "an environment name (letters, digits, _ and -)" },
    }),
  ),
};

/**
 * A feature flag: boolean (no `variants`: on or off) or string (`variants` weighs the values units with the
 * flag get; `off` is the value of the others). `enabled = false` is the kill switch; `rollout` the share of
 * units (of those passing `targeting`) that get the flag.
 */
export const flagSchema: TableSchema<typeof flagFields, FlagDefinition> = {
  where: "in flag",
  fields: flagFields,
  build: (values, path, ctx) => {
    let valid = true;
    if (values.off !== undefined && values.variants === undefined) {
      ctx.report(
        [...path, "off"],
        "applies to string flags only (with `variants`); a boolean flag is simply off, remove it",
        "key",
      );
      valid = false;
    }
    const variants =
      values.variants === undefined
        ? undefined
        : Object.entries(values.variants).map(([id, weight]) => Object.freeze({ id, weight }));
    if (variants !== undefined) {
      if (variants.length === 0) {
        ctx.report([...path, "variants"], "must name at least one value, e.g. { short = 50, long = 50 }");
        valid = false;
      } else if (variants.reduce((s, v) => s + v.weight, 0) === 0) {
        ctx.report([...path, "variants"], "total weight is 0: at least one value needs a weight > 0");
        valid = false;
      }
    }
    if (!valid) return INVALID;
    const override = ctx.env === undefined ? undefined : values.env?.[ctx.env];
    return Object.freeze({
      key: values.key,
      unit: values.unit,
      enabled: override?.enabled ?? values.enabled,
      rollout: override?.rollout ?? values.rollout,
      ...(variants === undefined ? {} : { variants: Object.freeze(variants) }),
      ...(values.off === undefined ? {} : { off: values.off }),
      ...(values.targeting === undefined ? {} : { targeting: values.targeting }),
      ...(values.salt === undefined ? {} : { salt: values.salt }),
    });
  },
};

export const flagTable = tableOf(flagSchema, "a table ([[plugins.flags]])");
