import { peek } from "../schema/check.js";
import { hashingTable } from "../schema/hashing-schema.js";
import type { TableRule } from "../schema/table.js";
import { variantFields } from "../schema/variant-schema.js";
import { isTable } from "../toml-value.js";

/**
 * What a vendor hashing mode needs from the rest of the experiment: one GrowthBook range or Optimizely end per
 * variant (ends non-decreasing, at most 10000), whole-number weights for Unleash (its variant hash takes the
 * total weight as a modulus), and `traffic` left at 1 for Statsig (the payload's allocation decides).
 */
export const hashingRule: TableRule = (experiment, path, ctx) => {
  const hashing = peek(hashingTable, experiment.hashing);
  if (hashing === undefined) return;
  const variants = Array.isArray(experiment.variants) ? experiment.variants : undefined;
  const weights = variants?.map((v) => (isTable(v) ? peek(variantFields.weight.check, v.weight) : undefined));
  const at = [...path, "hashing"];
  const perVariant = (key: string, count: number) => {
    if (variants && count !== variants.length) {
      ctx.report([...at, key], `must have one entry per variant (${variants.length}), got ${count}`);
    }
  };
  switch (hashing.mode) {
    case "growthbook":
      if (hashing.ranges) perVariant("ranges", hashing.ranges.length);
      break;
    case "optimizely":
      if (hashing.ends) {
        perVariant("ends", hashing.ends.length);
        hashing.ends.forEach((end, i) => {
          const previous = i === 0 ? 0 : hashing.ends![i - 1]!;
          if (end > 10000 || end < previous) {
            ctx.report(
              [...at, "ends", i],
              `must be from ${previous} to 10000 (ends are cumulative), got ${end}`,
            );
          }
        });
      }
      break;
    case "unleash":
      weights?.forEach((w, i) => {
        if (w !== undefined && !Number.isInteger(w)) {
          ctx.report(
            [...path, "variants", i, "weight"],
            `must be a whole number in unleash mode (Unleash weights are out of 1000, e.g. 500), got ${w}`,
          );
        }
      });
      break;
    case "statsig":
      if (Object.hasOwn(experiment, "traffic") && experiment.traffic !== 1) {
        ctx.report(
          [...path, "traffic"],
          "must be left out in statsig mode: the payload's layer allocation decides who is in the experiment",
          "key",
        );
      }
      break;
    default:
      break;
  }
};
