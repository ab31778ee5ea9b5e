import type { PostHogHashing, VariantDefinition } from "@assay/core";
import {
  checkExperimentCount,
  checkVariationCount,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  isObject,
  quote,
  uniqueIds,
  unitFor,
} from "./imported.js";
import { translatePostHogProperties } from "./posthog-properties.js";
import type { ImportedTargeting } from "./targeting-rules.js";

/**
 * Translates PostHog flag definitions (the local-evaluation response `{ flags, group_type_mapping }`, or a
 * bare array of flags) into manifest experiments in `posthog` hashing mode: one per multivariate flag. Variant
 * ids are the variant keys, weights their rollout percentages, `traffic` the rollout of the conditions without
 * property filters (`rollout_percentage / 100`), the holdout kept. Conditions with property, cohort or flag
 * filters, variant overrides and experience continuity are listed per experiment, never dropped.
 */
export function importPostHog(definitions: unknown): ImportResult {
  const body = Array.isArray(definitions) ? { flags: definitions } : definitions;
  if (!isObject(body) || !Array.isArray(body.flags)) {
    throw new ImportError("PostHog flag definitions are a JSON object with `flags` (or an array of flags)");
  }
  const groupTypes = isObject(body.group_type_mapping) ? body.group_type_mapping : {};
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  body.flags.forEach((flag, index) => {
    if (!isObject(flag) || typeof flag.key !== "string" || flag.key === "") {
      skipped.push(`flags[${index}]: not a flag with a key`);
      return;
    }
    const filters = isObject(flag.filters) ? flag.filters : {};
    const multivariate = isObject(filters.multivariate) ? filters.multivariate : undefined;
    const variants =
      multivariate && Array.isArray(multivariate.variants) ? multivariate.variants.filter(isObject) : [];
    checkVariationCount(variants.length, `flag ${quote(flag.key)}`);
    if (variants.length < 2) {
      skipped.push(`flag ${quote(flag.key)}: not multivariate (a boolean flag, not an experiment)`);
      return;
    }
    experiments.push(
      translate(flag as Record<string, unknown> & { key: string }, filters, variants, groupTypes),
    );
  });
  checkExperimentCount(experiments.length);
  return { vendor: "posthog", experiments: uniqueIds(experiments), skipped };
}

function translate(
  flag: Record<string, unknown> & { key: string },
  filters: Record<string, unknown>,
  rawVariants: Record<string, unknown>[],
  groupTypes: Record<string, unknown>,
): ImportedExperiment {
  const notes: string[] = [];
  const keys = rawVariants.map((v, i) =>
    typeof v.key === "string" && v.key !== "" ? v.key : `variant_${i}`,
  );
  const controlIndex = Math.max(0, keys.indexOf("control"));
  if (!keys.includes("control"))
    notes.push(`no variant is called "control": ${quote(keys[0])} is taken as the control`);
  const variants: VariantDefinition[] = rawVariants.map((v, i) => ({
    id: keys[i]!,
    weight: typeof v.rollout_percentage === "number" && v.rollout_percentage >= 0 ? v.rollout_percentage : 0,
    isControl: i === controlIndex,
  }));
  let total = 0;
  for (const v of variants) total += v.weight;
  // (the posthog mode walks the percentages as written, as posthog-node does: nothing is rescaled)
  if (total < 100 - 1e-9)
    notes.push(
      `variant percentages add up to ${total}: PostHog returns true (no variant) for the rest; here the rest is not enrolled`,
    );
  else if (total > 100 + 1e-9)
    notes.push(
      `variant percentages add up to ${total}: PostHog cuts them at 100 in order (later variants get less or nothing); so does the posthog mode`,
    );

  // unit: the distinct id, a group key (group flags), or $device_id
  let unit = "user";
  const groupIndex = filters.aggregation_group_type_index;
  if (typeof groupIndex === "number") {
    const name = groupTypes[String(groupIndex)];
    const candidate = typeof name === "string" ? unitFor(name, "") : undefined;
    if (candidate) {
      unit = candidate;
      notes.push(
        `a group flag: bucketed by the ${name} group key; put it in the context as attributes.${candidate}`,
      );
    } else
      notes.push(
        `a group flag of unknown group type ${groupIndex}: imported with the user id as unit; fix by hand`,
      );
  } else if (flag.bucketing_identifier === "device_id") {
    unit = "device_id";
    notes.push("bucketed by $device_id: put it in the context as attributes.device_id");
  }

  // rollout: conditions without property filters match everyone and share one hash, so the largest rollout wins
  const conditions = Array.isArray(filters.groups) ? filters.groups.filter(isObject) : [];
  const earlyExit = filters.early_exit === true;
  let traffic: number | undefined;
  let targeting: ImportedTargeting | undefined;
  let untranslated: string | undefined;
  const only = conditions.length === 1 ? conditions[0]! : undefined;
  const onlyProperties = only && Array.isArray(only.properties) ? only.properties : [];
  // a group flag's filters read the group's properties, which an Assay context does not hold apart
  const personFlag =
    filters.aggregation_group_type_index === undefined || filters.aggregation_group_type_index === null;
  if (only && onlyProperties.length > 0 && personFlag && only.aggregation_group_type_index === undefined) {
    // one condition: its filters are the targeting and its rollout the traffic (the same hash as a rollout)
    const translated = translatePostHogProperties(onlyProperties);
    if (translated.ok) {
      targeting = { include: translated.include, exclude: translated.exclude };
      traffic = typeof only.rollout_percentage === "number" ? only.rollout_percentage / 100 : 1;
      if (typeof only.variant === "string" && only.variant !== "")
        notes.push(`condition 0 overrides the variant to ${quote(only.variant)}: forced users / overrides`);
      if (onlyProperties.some((p) => isObject(p) && ["gt", "gte", "lt", "lte"].includes(String(p.operator))))
        notes.push(
          "condition 0 compares numbers: PostHog compares a value that is not a number (or starts with one, as 12abc) as a string; here it does not match",
        );
    } else untranslated = translated.reason;
  }
  if (targeting === undefined)
    conditions.forEach((c, i) => {
      const properties = Array.isArray(c.properties) ? c.properties : [];
      if (typeof c.variant === "string" && c.variant !== "") {
        notes.push(`condition ${i} overrides the variant to ${quote(c.variant)}: forced users / overrides`);
      }
      if (properties.length > 0) {
        notes.push(
          `condition ${i} targets ${quote(properties)}${i === 0 && untranslated ? ` (${untranslated})` : ""}: targeting (units matching it follow its rollout ${c.rollout_percentage ?? 100}% in PostHog)`,
        );
        return;
      }
      if (earlyExit && traffic !== undefined) return;
      const share = typeof c.rollout_percentage === "number" ? c.rollout_percentage / 100 : 1;
      traffic = traffic === undefined ? share : Math.max(traffic, share);
    });
  if (traffic === undefined) {
    traffic = 0;
    notes.push(
      "every condition has property filters: only targeted units are in the PostHog experiment (imported with traffic = 0)",
    );
  }
  traffic = Math.min(1, Math.max(0, traffic));

  const hashing: { -readonly [K in keyof PostHogHashing]: PostHogHashing[K] } = {
    mode: "posthog",
    key: flag.key,
  };
  const holdout = isObject(filters.holdout) ? filters.holdout : undefined;
  if (holdout && holdout.id !== undefined && holdout.id !== null) {
    const percentage = Number(holdout.exclusion_percentage);
    if (typeof holdout.id === "number" && Number.isFinite(percentage)) {
      hashing.holdout = { id: holdout.id, percentage: Math.min(100, Math.max(0, percentage)) };
      notes.push(
        `holdout ${holdout.id} (${percentage}%): held-out units are reproduced as not enrolled (PostHog serves them "holdout-${holdout.id}")`,
      );
    } else notes.push(`holdout ${quote(holdout)}: not reproduced`);
  }
  if (flag.ensure_experience_continuity === true) {
    notes.push(
      "experience continuity: PostHog keeps hash-key overrides (anonymous -> identified) in its database; units with an override may move",
    );
  }
  if (filters.super_groups !== undefined || filters.feature_enrollment !== undefined) {
    notes.push("early-access enrollment (super_groups): targeting");
  }
  const enabled = flag.active !== false && flag.deleted !== true;
  if (!enabled) notes.push("inactive: PostHog returns false for everyone (imported with enabled = false)");
  return {
    id: flag.key,
    origin: `flag ${quote(flag.key)}${typeof flag.id === "number" ? ` (id ${flag.id})` : ""}`,
    variants,
    unit,
    traffic,
    enabled,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    notReproduced: notes,
  };
}
