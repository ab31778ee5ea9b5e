import { peek } from "../schema/check.js";
import type { TableRule } from "../schema/table.js";
import { variantFields } from "../schema/variant-schema.js";
import { isTable } from "../toml-value.js";
import { type Occurrence, reportDuplicates } from "./duplicates.js";

/** Variant ids are unique within their experiment. */
export const uniqueVariantIdsRule: TableRule = (experiment, path, ctx) => {
  const variants = experiment.variants;
  if (!Array.isArray(variants)) return;
  const ids: Occurrence[] = [];
  variants.forEach((variant: unknown, index) => {
    if (!isTable(variant)) return;
    const id = peek(variantFields.id.check, variant.id);
    if (id !== undefined) ids.push({ value: id, path: [...path, "variants", index, "id"] });
  });
  reportDuplicates(ids, ctx, "variant id", "within an experiment");
};
