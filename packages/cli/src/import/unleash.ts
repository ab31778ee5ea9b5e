import type { UnleashHashing, VariantDefinition } from "@assay/core";
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
import type { ImportedTargeting } from "./targeting-rules.js";
import { translateUnleashConstraints } from "./unleash-constraints.js";

/** Strategies the mode reproduces: a rollout by percentage of one stickiness field. */
const ROLLOUT_STRATEGIES = new Set(["default", "flexibleRollout", "gradualRolloutUserId"]);

/**
 * Translates Unleash feature toggles (the client API's `/api/client/features` JSON, `{ features }`, or a bare
 * array) into manifest experiments in `unleash` hashing mode: one per toggle with variants (the strategy's, else
 * the toggle's). Variant ids are the variant names, weights as Unleash writes them (out of 1000), `traffic` the
 * strategy's rollout, `group_id` its groupId (else the toggle name), `variant_group_id` what the SDK hashes the
 * variant with; the strategy's constraints become targeting rules and `userId` variant overrides forced units.
 * Several strategies, other strategy types, other stickiness fallbacks and segments are listed per experiment.
 */
export function importUnleash(payload: unknown): ImportResult {
  const body = Array.isArray(payload) ? { features: payload } : payload;
  if (!isObject(body) || !Array.isArray(body.features))
    throw new ImportError(
      "Unleash feature toggles are a JSON object with `features` (or an array of toggles)",
    );
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  body.features.forEach((feature, index) => {
    if (!isObject(feature) || typeof feature.name !== "string" || feature.name === "") {
      skipped.push(`features[${index}]: not a toggle with a name`);
      return;
    }
    const strategies = Array.isArray(feature.strategies) ? feature.strategies.filter(isObject) : [];
    const first = strategies[0];
    const strategyVariants = first && Array.isArray(first.variants) ? first.variants.filter(isObject) : [];
    const featureVariants = Array.isArray(feature.variants) ? feature.variants.filter(isObject) : [];
    const variants = strategyVariants.length > 0 ? strategyVariants : featureVariants;
    checkVariationCount(variants.length, `toggle ${quote(feature.name)}`);
    if (variants.length < 2) {
      skipped.push(`toggle ${quote(feature.name)}: fewer than 2 variants (a flag, not an experiment)`);
      return;
    }
    experiments.push(
      translate(
        feature as Record<string, unknown> & { name: string },
        strategies,
        variants,
        strategyVariants.length > 0,
      ),
    );
  });
  checkExperimentCount(experiments.length);
  return { vendor: "unleash", experiments: uniqueIds(experiments), skipped };
}

function translate(
  feature: Record<string, unknown> & { name: string },
  strategies: readonly Record<string, unknown>[],
  rawVariants: readonly Record<string, unknown>[],
  fromStrategy: boolean,
): ImportedExperiment {
  const name = feature.name;
  const origin = `toggle ${quote(name)}`;
  const notes: string[] = [];
  const strategy = strategies[0];
  const parameters = strategy && isObject(strategy.parameters) ? strategy.parameters : {};
  if (strategies.length > 1)
    notes.push(
      `${strategies.length} strategies: Unleash serves the first one a unit passes; only the first is reproduced, units enabled by a later one move`,
    );

  // the rollout: everyone without a strategy, else the strategy's percentage of its stickiness
  let traffic = 1;
  let stickiness = "default";
  const groupId =
    typeof parameters.groupId === "string" && parameters.groupId !== "" ? parameters.groupId : name;
  if (strategy !== undefined) {
    const kind = strategy.name;
    if (!ROLLOUT_STRATEGIES.has(String(kind))) {
      traffic = 0;
      notes.push(
        `strategy ${quote(kind)} is not a percentage rollout: not reproduced (imported with traffic = 0)`,
      );
    } else if (kind === "flexibleRollout") {
      traffic = percentage(parameters.rollout, origin);
      if (typeof parameters.stickiness === "string" && parameters.stickiness !== "")
        stickiness = parameters.stickiness;
    } else if (kind === "gradualRolloutUserId") {
      traffic = percentage(parameters.percentage, origin);
      stickiness = "userId";
    }
  }

  if (traffic > 0 && traffic < 1 && !(typeof parameters.groupId === "string" && parameters.groupId !== ""))
    notes.push(
      "no groupId: Unleash hashes the rollout with an empty group id, which a manifest cannot write; imported with the toggle name, so units near the rollout's edge move",
    );
  if (!Array.isArray(feature.strategies))
    notes.push("no strategy list: Unleash enables nobody (imported with enabled = false)");

  let unit = "user";
  if (stickiness === "default")
    notes.push(
      "default stickiness: Unleash buckets a context without userId by its sessionId (else at random); here it is not enrolled",
    );
  else if (stickiness === "sessionId") unit = "session";
  else if (stickiness !== "userId") {
    const attribute = unitFor(stickiness, "userId");
    if (attribute === undefined)
      notes.push(`stickiness ${quote(stickiness)} is not a valid unit name; imported as the user id`);
    else unit = attribute;
  }
  if (stickiness !== "default" && stickiness !== "userId" && stickiness !== "sessionId" && unit !== "user")
    notes.push(`bucketed by the ${quote(stickiness)} property: put it in the context as attributes.${unit}`);

  const variantStickiness = rawVariants.map((v) =>
    typeof v.stickiness === "string" ? v.stickiness : "default",
  );
  if (variantStickiness.some((s) => s !== "default" && s !== stickiness))
    notes.push(
      `variant stickiness ${quote(variantStickiness[0])} differs from the rollout's ${quote(stickiness)}: the variant follows the rollout's unit here`,
    );

  // a Map: variant names come from the payload (`__proto__`, `constructor` are names like any other)
  const forcedUnits = new Map<string, string[]>();
  const variants: VariantDefinition[] = rawVariants.map((v, i) => {
    const id = typeof v.name === "string" && v.name !== "" ? v.name : `variant_${i}`;
    const weight = typeof v.weight === "number" && Number.isInteger(v.weight) && v.weight >= 0 ? v.weight : 0;
    if (v.weight !== weight)
      notes.push(`variant ${quote(id)}: weight ${quote(v.weight)} is not a whole number (imported as 0)`);
    for (const override of Array.isArray(v.overrides) ? v.overrides : []) {
      if (isObject(override) && override.contextName === "userId" && Array.isArray(override.values))
        forcedUnits.set(id, [
          ...(forcedUnits.get(id) ?? []),
          ...override.values.filter((u): u is string => typeof u === "string"),
        ]);
      else
        notes.push(
          `variant ${quote(id)} override ${quote(override)}: forced users by a property, not reproduced`,
        );
    }
    return { id, weight, isControl: i === 0 };
  });
  if (variants.every((v) => v.weight === 0)) throw new ImportError(`${origin}: every variant weighs 0`);

  let targeting: ImportedTargeting | undefined;
  const constraints = strategy && Array.isArray(strategy.constraints) ? strategy.constraints : [];
  if (constraints.length > 0) {
    const translated = translateUnleashConstraints(constraints);
    if (translated.ok) targeting = { include: translated.include, exclude: translated.exclude };
    else
      notes.push(
        `constraints ${quote(constraints)} (${translated.reason}): units failing them are not enabled in Unleash; here everyone is bucketed`,
      );
  }
  if (strategy && Array.isArray(strategy.segments) && strategy.segments.length > 0)
    notes.push(
      `segments ${quote(strategy.segments)}: targeting kept in the server's segment list, not reproduced`,
    );
  if (Array.isArray(feature.dependencies) && feature.dependencies.length > 0)
    notes.push(`dependencies ${quote(feature.dependencies)} on other toggles: not reproduced`);

  // an override applies only to units the strategy enables; forced units skip traffic and targeting here
  const forced = Object.fromEntries(forcedUnits);
  const hasForced = forcedUnits.size > 0;
  const forcedReproduced = hasForced && traffic === 1 && constraints.length === 0 && strategies.length <= 1;
  if (hasForced && !forcedReproduced)
    notes.push(
      `userId overrides ${quote(forced)}: Unleash serves them only to units the strategy enables; not written as forced units (they follow the hash)`,
    );
  const enabled = feature.enabled !== false && Array.isArray(feature.strategies);
  if (!enabled) notes.push("disabled: Unleash enables nobody (imported with enabled = false)");
  const hashing: { -readonly [K in keyof UnleashHashing]: UnleashHashing[K] } = { mode: "unleash", groupId };
  // the SDK hashes strategy variants with the strategy's groupId as given (absent: "undefined"), toggle variants
  // with the toggle name
  const variantGroupId = fromStrategy
    ? typeof parameters.groupId === "string" && parameters.groupId !== ""
      ? parameters.groupId
      : "undefined"
    : name;
  if (variantGroupId !== groupId) hashing.variantGroupId = variantGroupId;
  if (fromStrategy && parameters.groupId === "")
    notes.push(
      'strategy variants with groupId "": Unleash hashes them with an empty group id; imported as "undefined", units move',
    );
  const stickyFirst = rawVariants[0]?.stickiness;
  if (
    fromStrategy &&
    typeof stickyFirst === "string" &&
    stickyFirst !== "" &&
    stickyFirst !== stickiness &&
    stickyFirst !== "default"
  )
    notes.push(
      `strategy variants stick to ${quote(stickyFirst)}, the rollout to ${quote(stickiness)}: the variant follows the rollout's unit here`,
    );
  return {
    id: name,
    origin,
    variants,
    unit,
    traffic,
    enabled,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    ...(forcedReproduced ? { forced } : {}),
    notReproduced: notes,
  };
}

/** A rollout percentage (a number or its text, as Unleash writes parameters) as a share of 0..1. */
function percentage(value: unknown, origin: string): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new ImportError(`${origin}: rollout ${quote(value)} is not a percentage`);
  return Math.min(1, Math.max(0, n / 100));
}
