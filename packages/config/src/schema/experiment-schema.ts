import type { ExperimentEntry } from "../manifest.js";
import { controlRule } from "../rules/control-rule.js";
import { hashingRule } from "../rules/hashing-rule.js";
import { totalWeightRule } from "../rules/total-weight-rule.js";
import { uniqueVariantIdsRule } from "../rules/unique-variant-ids-rule.js";
import { analysisPlan } from "./analysis-plan.js";
import { analysisTable } from "./analysis-schema.js";
import { INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { hashingTable } from "./hashing-schema.js";
import { finiteNumber, flag, text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf, withDefault } from "./table.js";
import { variantSchema } from "./variant-schema.js";

/** `unit` values: "user", "session", or a context attribute name for cluster randomization. */
export const UNIT_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

const VARIANT = '{ id = "control", weight = 50, is_control = true }';

/** Keys of a `[[plugins.experiments]]` table. */
export const experimentFields = {
  id: required(
    text({ expected: 'a non-empty string (the experiment id, e.g. "checkout_button_color")' }),
    "the experiment id, unique across the manifest",
  ),
  variants: required(
    arrayOf(tableOf(variantSchema, `an inline table like ${VARIANT}`), {
      expected: `an array of variants like [${VARIANT}, { id = "treatment", weight = 50 }]`,
      min: { count: 2, why: "variants (a control and at least one treatment)" },
    }),
    "at least a control and a treatment",
  ),
  salt: optional(text({ expected: 'a non-empty string (e.g. "2026-q4")' })),
  unit: withDefault(
    text({
      expected:
        '"user" (the default), "session", or a context attribute name for cluster randomization ' +
        '(letters, digits, _ . : -, not starting with a digit; e.g. "account")',
      pattern: UNIT_PATTERN,
    }),
    "user",
  ),
  traffic: withDefault(
    finiteNumber({
      expected: "a number from 0 to 1 (the share of units enrolled; 0.25 = 25%)",
      min: 0,
      max: 1,
    }),
    1,
  ),
  enabled: withDefault(flag({ expected: "true or false" }), true),
  description: optional(text({ expected: "a string", allowBlank: true })),
  analysis: optional(analysisTable),
  hashing: optional(hashingTable),
};

export const experimentSchema: TableSchema<typeof experimentFields, ExperimentEntry> = {
  where: "in experiment",
  fields: experimentFields,
  rules: [uniqueVariantIdsRule, controlRule, totalWeightRule, hashingRule],
  build: (values, path, ctx) => {
    const analysis =
      values.analysis === undefined ? undefined : analysisPlan(values.analysis, values.variants, path, ctx);
    if (analysis === INVALID) return INVALID;
    return Object.freeze({
      id: values.id,
      variants: Object.freeze(values.variants),
      unit: values.unit,
      traffic: values.traffic,
      enabled: values.enabled,
      ...(values.salt === undefined ? {} : { salt: values.salt }),
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(analysis === undefined ? {} : { analysis }),
      ...(values.hashing === undefined || values.hashing.mode === "native"
        ? {}
        : { hashing: values.hashing }),
    });
  },
};
