import type { ExperimentEntry } from "../manifest.js";
import { controlRule } from "../rules/control-rule.js";
import { hashingRule } from "../rules/hashing-rule.js";
import { totalWeightRule } from "../rules/total-weight-rule.js";
import { uniqueVariantIdsRule } from "../rules/unique-variant-ids-rule.js";
import { analysisPlan } from "./analysis-plan.js";
import { analysisTable } from "./analysis-schema.js";
import { INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { dimensionsList } from "./dimensions-schema.js";
import {
  applyEnvironment,
  type Effective,
  type EnvironmentOverride,
  environmentsTable,
  forcedByUnit,
  forcedTable,
} from "./environment-schema.js";
import { hashingTable } from "./hashing-schema.js";
import { finiteNumber, flag, integer, recordedName, text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf, withDefault } from "./table.js";
import { targetingTable } from "./targeting-schema.js";
import { unleashEnvironmentAllows } from "./unleash-hashing-schema.js";
import { variantSchema } from "./variant-schema.js";

/** `unit` values: "user", "session", or a context attribute name for cluster randomization. */
export const UNIT_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

const VARIANT = '{ id = "control", weight = 50, is_control = true }';

/** Keys of a `[[plugins.experiments]]` table. */
export const experimentFields = {
  id: required(
    recordedName({ expected: 'a non-empty string (the experiment id, e.g. "checkout_button_color")' }),
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
  targeting: optional(targetingTable),
  forced: optional(forcedTable),
  sticky: withDefault(flag({ expected: "true or false (true: a unit keeps its first variant)" }), false),
  version: optional(
    integer({
      expected:
        "an integer >= 1 (the experiment's phase: bump it when a change re-randomizes; sticky assignments start afresh)",
      min: 1,
    }),
  ),
  env: optional(environmentsTable),
  /** Context attributes recorded with every exposure, to cut the report by; overrides the top-level default. */
  dimensions: optional(dimensionsList),
};

export const experimentSchema: TableSchema<typeof experimentFields, ExperimentEntry> = {
  where: "in experiment",
  fields: experimentFields,
  rules: [uniqueVariantIdsRule, controlRule, totalWeightRule, hashingRule],
  build: (values, path, ctx) => {
    const effective = effectiveExperiment(values, path, ctx);
    if (effective === INVALID) return INVALID;
    const analysis =
      values.analysis === undefined
        ? undefined
        : analysisPlan(values.analysis, effective.variants, path, ctx);
    if (analysis === INVALID) return INVALID;
    return Object.freeze({
      id: values.id,
      variants: Object.freeze(effective.variants),
      unit: values.unit,
      traffic: effective.traffic,
      enabled: effective.enabled,
      ...(values.targeting === undefined ||
      (values.targeting.include.length === 0 && values.targeting.exclude.length === 0)
        ? {}
        : { targeting: values.targeting }),
      ...(effective.forced === undefined || Object.keys(effective.forced).length === 0
        ? {}
        : { forced: effective.forced }),
      ...(values.sticky ? { sticky: Object.freeze({ version: values.version ?? 1 }) } : {}),
      ...(values.version === undefined ? {} : { phase: values.version }),
      ...(values.dimensions === undefined ? {} : { dimensions: values.dimensions }),
      ...(values.salt === undefined ? {} : { salt: values.salt }),
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(analysis === undefined ? {} : { analysis }),
      ...(values.hashing === undefined || values.hashing.mode === "native"
        ? {}
        : { hashing: values.hashing }),
    });
  },
};

type ExperimentValues = Parameters<(typeof experimentSchema)["build"]>[0];

/**
 * The experiment as the selected environment runs it. Every `env.<name>` block is merged and checked, the
 * selected one or not, so `assay validate` catches a broken staging block while production is selected.
 */
function effectiveExperiment(
  values: ExperimentValues,
  path: readonly (string | number)[],
  ctx: Parameters<(typeof experimentSchema)["build"]>[2],
): Effective | typeof INVALID {
  let valid = true;
  let forced: Effective["forced"];
  if (values.forced !== undefined) {
    const byUnit = forcedByUnit(values.forced, values.variants, [...path, "forced"], ctx);
    if (byUnit === INVALID) valid = false;
    else forced = byUnit;
  }
  const base: Effective = {
    variants: values.variants,
    traffic: values.traffic,
    enabled: values.enabled,
    forced,
  };
  let selected = base;
  for (const [name, override] of Object.entries(values.env ?? {})) {
    const at = [...path, "env", name];
    const merged = applyEnvironment(base, override, at, ctx, { sticky: values.sticky });
    if (merged === INVALID) valid = false;
    else if (!modeAllows(values.hashing?.mode, override, at, ctx)) valid = false;
    else if (!unleashEnvironmentAllows(values.hashing, override, at, ctx)) valid = false;
    else if (name === ctx.env) selected = merged;
  }
  return valid ? selected : INVALID;
}

/** What a vendor hashing mode forbids in an environment block, as `hashingRule` does for the base values. */
function modeAllows(
  mode: string | undefined,
  override: EnvironmentOverride,
  path: readonly (string | number)[],
  ctx: Parameters<(typeof experimentSchema)["build"]>[2],
): boolean {
  let valid = true;
  if (mode !== undefined && mode !== "native" && override.variants !== undefined) {
    ctx.report(
      [...path, "variants"],
      `must be left out in ${mode} mode: a vendor-compatible hashing mode buckets the base's variants`,
      "key",
    );
    valid = false;
  }
  if (mode === "unleash") {
    for (const [id, weight] of Object.entries(override.weights ?? {})) {
      if (Number.isInteger(weight)) continue;
      ctx.report(
        [...path, "weights", id],
        `must be a whole number in unleash mode (Unleash weights are out of 1000, e.g. 500), got ${weight}`,
      );
      valid = false;
    }
  }
  if (mode === "statsig" && override.traffic !== undefined) {
    ctx.report(
      [...path, "traffic"],
      "must be left out in statsig mode: the payload's layer allocation decides who is in the experiment",
      "key",
    );
    valid = false;
  }
  return valid;
}
