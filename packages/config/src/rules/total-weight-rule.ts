import { peek } from "../schema/check.js";
import type { TableRule } from "../schema/table.js";
import { variantFields } from "../schema/variant-schema.js";
import { isTable } from "../toml-value.js";

/** The weights of an experiment add up to more than zero (and to a finite number). */
export const totalWeightRule: TableRule = (experiment, path, ctx) => {
  const variants = experiment.variants;
  if (!Array.isArray(variants) || variants.length === 0) return;
  let total = 0;
  for (const variant of variants) {
    const weight = isTable(variant) ? peek(variantFields.weight.check, variant.weight) : undefined;
    if (weight === undefined) return;
    total += weight;
  }
  if (total === 0) {
    ctx.report([...path, "variants"], "total weight is 0: at least one variant needs a weight > 0");
  } else if (!Number.isFinite(total)) {
    ctx.report([...path, "variants"], "total weight is too large to add up; use smaller relative weights");
  }
};
