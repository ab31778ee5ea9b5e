import type { VariantDefinition } from "@assay/core";
import { finiteNumber, flag, recordedName } from "./scalars.js";
import { optional, required, type TableSchema, withDefault } from "./table.js";
import { variantValue } from "./variant-value.js";

/**
 * Keys of a variant: `{ id = "control", weight = 50, is_control = true }`, and optionally what it serves,
 * `value = "streamlined-checkout"` (any TOML value, tables included).
 */
export const variantFields = {
  id: required(
    recordedName({ expected: 'a non-empty string (the variant id, e.g. "control")' }),
    "the variant id",
  ),
  weight: required(
    finiteNumber({
      expected: "a finite number >= 0 (weights are relative: 50/50, 90/10, or basis points 5000/5000)",
      min: 0,
    }),
    "a relative weight, e.g. weight = 50",
  ),
  is_control: withDefault(flag({ expected: "true or false (exactly one variant is the control)" }), false),
  value: optional(variantValue()),
};

export const variantSchema: TableSchema<typeof variantFields, VariantDefinition> = {
  where: "in variant",
  fields: variantFields,
  build: (values) =>
    Object.freeze({
      id: values.id,
      weight: values.weight,
      isControl: values.is_control,
      ...(values.value === undefined ? {} : { value: values.value }),
    }),
};
