import type { UnleashHashing, UnleashOverride, UnleashStrategy, VariantDefinition } from "@assay/core";
import {
  checkExperimentCount,
  checkVariationCount,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  isObject,
  quote,
  uniqueIds,
} from "./imported.js";
import { overridesOf, type SegmentConstraints, translateStrategy, wholeWeight } from "./unleash-strategy.js";

/**
 * Translates Unleash feature toggles (the client API's `/api/client/features` JSON, `{ features, segments }`,
 * or a bare array of toggles) into manifest experiments in `unleash` hashing mode: one per toggle with at least
 * two variants (its own and its strategies'), variant ids the variant names. The toggle's variants give the
 * experiment's weights (out of 1000); `hashing.strategies` lists every strategy in order with its rollout, group
 * id, stickiness, constraints and segments as targeting, and its own variants, so the experiment serves what
 * unleash-client's `getVariant` serves. What the mode cannot say (some constraint operators, dependencies,
 * strategies the SDK does not know) is listed per experiment.
 */
export function importUnleash(payload: unknown): ImportResult {
  const body = Array.isArray(payload) ? { features: payload } : payload;
  if (!isObject(body) || !Array.isArray(body.features))
    throw new ImportError(
      "Unleash feature toggles are a JSON object with `features` (or an array of toggles)",
    );
  const segments = segmentsOf(body.segments);
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  body.features.forEach((feature, index) => {
    if (!isObject(feature) || typeof feature.name !== "string" || feature.name === "") {
      skipped.push(`features[${index}]: not a toggle with a name`);
      return;
    }
    const translated = translate(feature as Record<string, unknown> & { name: string }, segments);
    if (typeof translated === "string") {
      skipped.push(`toggle ${quote(feature.name)}: ${translated}`);
      return;
    }
    experiments.push(translated);
  });
  checkExperimentCount(experiments.length);
  return { vendor: "unleash", experiments: uniqueIds(experiments), skipped };
}

/** `segments[]` by id; malformed entries are left out (a strategy naming them then enables nobody, as the SDK). */
function segmentsOf(raw: unknown): SegmentConstraints {
  const map = new Map<unknown, readonly unknown[]>();
  if (!Array.isArray(raw)) return map;
  for (const s of raw) {
    if (isObject(s) && s.id !== undefined) map.set(s.id, Array.isArray(s.constraints) ? s.constraints : []);
  }
  return map;
}

/** The experiment of one toggle, or why it is none. */
function translate(
  feature: Record<string, unknown> & { name: string },
  segments: SegmentConstraints,
): ImportedExperiment | string {
  const name = feature.name;
  const origin = `toggle ${quote(name)}`;
  const notes: string[] = [];
  const variantId = (v: Record<string, unknown>, i: number) => {
    if (typeof v.name === "string" && v.name.trim() !== "") return v.name;
    const id = `variant_${i}`;
    notes.push(`variant ${quote(v.name)} has no usable name: imported as ${quote(id)}`);
    return id;
  };

  const rawStrategies = Array.isArray(feature.strategies) ? feature.strategies : [];
  const strategies: UnleashStrategy[] = [];
  rawStrategies.forEach((raw, i) => {
    const t = translateStrategy(raw, i, segments, variantId);
    strategies.push(t.strategy);
    notes.push(...t.notes);
  });

  // the toggle's own variants, then the variants only strategies serve (weight 0 at the toggle)
  const rawVariants = Array.isArray(feature.variants) ? feature.variants.filter(isObject) : [];
  const weights = new Map<string, number>();
  const overrides: UnleashOverride[] = [];
  rawVariants.forEach((v, i) => {
    const id = variantId(v, i);
    const weight = wholeWeight(v.weight);
    if (weight !== v.weight)
      notes.push(`variant ${quote(id)}: weight ${quote(v.weight)} is not a whole number (imported as 0)`);
    weights.set(id, (weights.get(id) ?? 0) + weight);
    for (const o of overridesOf(v.overrides, `variant ${quote(id)}`, notes))
      overrides.push({ variant: id, ...o });
  });
  const toggleTotal = [...weights.values()].reduce((a, b) => a + b, 0);
  const ids = [...weights.keys()];
  for (const s of strategies) for (const v of s.variants ?? []) if (!ids.includes(v.id)) ids.push(v.id);
  checkVariationCount(ids.length, origin);
  if (ids.length < 2) return "fewer than 2 variants (a flag, not an experiment)";

  // a toggle without variants of its own (or all weighing 0) serves none: its weights are those of the first
  // untargeted strategy with variants (else the first with variants), what an SRM check should expect; the
  // hash does not read them
  const toggleVariants = toggleTotal > 0;
  const serving = strategies.filter((s) => s.enabled && s.variants?.some((v) => v.weight > 0));
  const firstServed = (serving.find((s) => s.targeting === undefined) ?? serving[0])?.variants ?? [];
  const weightOf = (id: string) =>
    toggleVariants
      ? (weights.get(id) ?? 0)
      : firstServed.filter((v) => v.id === id).reduce((a, v) => a + v.weight, 0);
  // the variant named "control" is the control when there is one, else the first
  const control = ids.includes("control") ? "control" : ids[0];
  const variants: VariantDefinition[] = ids.map((id) => ({
    id,
    weight: weightOf(id),
    isControl: id === control,
  }));
  // every variant weighing 0 everywhere: the SDK serves none of them
  if (variants.every((v) => v.weight === 0))
    return "every variant weighs 0 (no variant is ever served: a flag)";

  const firstStickiness = rawVariants[0]?.stickiness;
  if (firstStickiness === "")
    notes.push('the toggle\'s variants stick to "" (the SDK then picks at random): imported as "default"');
  if (Array.isArray(feature.dependencies) && feature.dependencies.length > 0)
    notes.push(`dependencies ${quote(feature.dependencies)} on other toggles: not reproduced`);
  const enabled = Boolean(feature.enabled) && Array.isArray(feature.strategies);
  if (!Array.isArray(feature.strategies))
    notes.push("no strategy list: Unleash enables nobody (imported with enabled = false)");

  const hashing: UnleashHashing = {
    mode: "unleash",
    groupId: name,
    strategies,
    ...(toggleVariants ? {} : { toggleVariants: false }),
    ...(toggleVariants &&
    typeof firstStickiness === "string" &&
    firstStickiness !== "" &&
    firstStickiness !== "default"
      ? { variantStickiness: firstStickiness }
      : {}),
    ...(overrides.length > 0 ? { overrides } : {}),
  };
  const sessionOnly = strategies.length > 0 && strategies.every((s) => s.stickiness === "sessionId");
  return {
    id: name,
    origin,
    variants,
    unit: sessionOnly ? "session" : "user",
    traffic: 1,
    enabled,
    hashing,
    notReproduced: notes,
  };
}
