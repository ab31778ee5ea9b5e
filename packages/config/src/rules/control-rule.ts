import { peek } from "../schema/check.js";
import type { TableRule } from "../schema/table.js";
import { variantFields } from "../schema/variant-schema.js";
import { isTable } from "../toml-value.js";

/**
 * Exactly one variant of an experiment is the control. Silent when a variant or its `is_control` is
 * malformed or a variant has an unknown key (`is_contol = true`): those are reported where they are, so
 * one mistake gives one message.
 */
export const controlRule: TableRule = (experiment, path, ctx) => {
  const variants = experiment.variants;
  if (!Array.isArray(variants) || variants.length === 0) return;
  const controls: number[] = [];
  for (const [index, variant] of variants.entries()) {
    if (!isTable(variant) || Object.keys(variant).some((key) => !Object.hasOwn(variantFields, key))) return;
    const isControl =
      variant.is_control === undefined ? false : peek(variantFields.is_control.check, variant.is_control);
    if (isControl === undefined) return;
    if (isControl) controls.push(index);
  }
  const variantsPath = [...path, "variants"];
  if (controls.length === 0) {
    ctx.report(variantsPath, "no control variant: mark exactly one variant with is_control = true");
    return;
  }
  const [first, ...others] = controls;
  const firstLine = ctx.locate([...variantsPath, first!, "is_control"]).line;
  const firstId = nameOf(variants[first!]);
  for (const index of others) {
    ctx.report(
      [...variantsPath, index, "is_control"],
      `more than one control: ${nameOf(variants[index])} and ${firstId} (line ${firstLine}) are both ` +
        "is_control = true; exactly one variant must be the control",
    );
  }
};

function nameOf(variant: unknown): string {
  const id = isTable(variant) ? peek(variantFields.id.check, variant.id) : undefined;
  return id === undefined ? "this variant" : `\`${id}\``;
}
