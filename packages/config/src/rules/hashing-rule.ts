import { OptionFileError, readContainedFile } from "@assay/core";
import type { ManifestPath } from "../path.js";
import { type CheckContext, peek } from "../schema/check.js";
import { hashingTable } from "../schema/hashing-schema.js";
import { checkOptimizelyHashing } from "../schema/optimizely-hashing-schema.js";
import type { TableRule } from "../schema/table.js";
import { checkUnleashStrategies } from "../schema/unleash-hashing-schema.js";
import { variantFields } from "../schema/variant-schema.js";
import { isTable } from "../toml-value.js";

/**
 * What a vendor hashing mode needs from the rest of the experiment: one GrowthBook range or Optimizely end per
 * variant (ends non-decreasing, at most 10000), whole-number weights for Unleash (its variant hash takes the
 * total weight as a modulus), and for Statsig `traffic` left at 1 (the payload's allocation decides) and a
 * payload file that exists, holds the experiment, and names its groups after the variants.
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
      checkOptimizelyHashing(hashing, experiment, at, ctx);
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
      checkUnleashStrategies(hashing, experiment, path, ctx);
      break;
    case "statsig":
      if (Object.hasOwn(experiment, "traffic") && experiment.traffic !== 1) {
        ctx.report(
          [...path, "traffic"],
          "must be left out in statsig mode: the payload's layer allocation decides who is in the experiment",
          "key",
        );
      }
      checkStatsigPayload(hashing.payload, hashing.experiment ?? peekId(experiment.id), variants, at, ctx);
      break;
    default:
      break;
  }
};

const peekId = (id: unknown) => (typeof id === "string" ? id : undefined);

/** The Statsig payload a `statsig` mode names, checked as the backend will read it. */
function checkStatsigPayload(
  payload: string,
  name: string | undefined,
  variants: readonly unknown[] | undefined,
  at: ManifestPath,
  ctx: CheckContext,
): void {
  if (ctx.dir === undefined || name === undefined) return;
  const path = payload;
  let specs: { dynamic_configs?: unknown };
  let text: string;
  try {
    text = readContainedFile(payload, ctx.dir, { allowOutside: ctx.allowOutsideFiles === true });
  } catch (error) {
    if (!(error instanceof OptionFileError)) throw error;
    ctx.report([...at, "payload"], `cannot read the Statsig payload ${error.message}`);
    return;
  }
  try {
    specs = JSON.parse(text);
  } catch {
    // the parser's message quotes the text: never echo what a file holds
    ctx.report([...at, "payload"], `cannot read the Statsig payload ${path}: not valid JSON`);
    return;
  }
  const spec = experimentSpec(specs?.dynamic_configs, name);
  if (spec === undefined) {
    ctx.report(
      [...at, "payload"],
      `the Statsig payload ${path} has no experiment ${JSON.stringify(name)}; set \`experiment\` to its name there`,
    );
    return;
  }
  const ids = new Set(
    (variants ?? []).map((v) => (isTable(v) && typeof v.id === "string" ? v.id : undefined)),
  );
  const groups = (spec.rules ?? [])
    .map((r) => r?.groupName)
    .filter((g): g is string => typeof g === "string");
  const missing = groups.filter((g) => !ids.has(g));
  if (missing.length > 0) {
    ctx.report(
      [...at.slice(0, -1), "variants"],
      `must name the Statsig groups of ${JSON.stringify(name)}: add or rename variants to ${missing.map((g) => JSON.stringify(g)).join(", ")} (groups: ${groups.join(", ")})`,
    );
  }
}

type RuleGroups = { readonly rules?: readonly { readonly groupName?: unknown }[] };

/**
 * The experiment `name` of a payload's `dynamic_configs`, in either format: the v1 list (each spec with its
 * `name`) or the v2 map (name -> spec, as `@statsig/statsig-node-core` downloads it).
 */
function experimentSpec(configs: unknown, name: string): RuleGroups | undefined {
  if (Array.isArray(configs)) {
    return configs.find((s: { name?: unknown } | null) => s?.name === name) as RuleGroups | undefined;
  }
  if (isTable(configs) && Object.hasOwn(configs, name)) {
    const spec = configs[name];
    return isTable(spec) ? (spec as RuleGroups) : undefined;
  }
  return undefined;
}
