import type { OptimizelyHashing, VariantDefinition } from "@assay/core";
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
import { audiencesById, translateOptimizelyAudiences } from "./optimizely-audience.js";
import type { ImportedTargeting } from "./targeting-rules.js";

/** Optimizely buckets into 0..9999; an `endOfRange` is at most this. */
const MAX_RANGE = 10_000;

/**
 * Translates an Optimizely datafile (v4: `experiments`, `groups`, `audiences`...) into manifest experiments in
 * `optimizely` hashing mode: one per experiment (top level and in groups). Variant ids are the variation keys
 * (what `getVariation` returns), ordered as the traffic allocation places them, with the allocation's
 * `endOfRange` as `ends`; `forcedVariations` become forced units; simple audiences become targeting rules;
 * a paused experiment is imported with `enabled = false`. What the mode cannot express (allocation gaps between
 * variations, a variation in several ranges, mutually exclusive groups, complex audiences) is listed per
 * experiment, never dropped.
 */
export function importOptimizely(datafile: unknown): ImportResult {
  if (!isObject(datafile) || !Array.isArray(datafile.experiments))
    throw new ImportError(
      "an Optimizely datafile is a JSON object with `experiments` (and `groups`, `audiences`)",
    );
  const audiences = audiencesById(datafile);
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  datafile.experiments.forEach((experiment, index) => {
    const origin = `experiments[${index}]`;
    if (!isExperiment(experiment))
      skipped.push(`${origin}: not an experiment with a key, an id and variations`);
    else experiments.push(translate(experiment, `${origin} (${quote(experiment.key, 80)})`, audiences, []));
  });
  const groups = Array.isArray(datafile.groups) ? datafile.groups : [];
  groups.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.experiments)) return;
    const notes: string[] = [];
    if (group.policy === "random") {
      notes.push(
        `in mutually exclusive group ${quote(group.id)}: Optimizely first places units in one experiment of the group (its own hash of the group id); here units the group gives to another experiment, or to none, are bucketed too`,
      );
    }
    group.experiments.forEach((experiment, index) => {
      const origin = `groups[${g}].experiments[${index}]`;
      if (!isExperiment(experiment))
        skipped.push(`${origin}: not an experiment with a key, an id and variations`);
      else
        experiments.push(translate(experiment, `${origin} (${quote(experiment.key, 80)})`, audiences, notes));
    });
  });
  const rollouts = Array.isArray(datafile.rollouts) ? datafile.rollouts.length : 0;
  if (rollouts > 0) skipped.push(`${rollouts} rollout(s) (targeted deliveries of flags, not experiments)`);
  checkExperimentCount(experiments.length);
  return { vendor: "optimizely", experiments: uniqueIds(experiments), skipped };
}

type Experiment = Record<string, unknown> & { key: string; id: string; variations: unknown[] };

function isExperiment(value: unknown): value is Experiment {
  return (
    isObject(value) &&
    typeof value.key === "string" &&
    value.key !== "" &&
    typeof value.id === "string" &&
    value.id !== "" &&
    Array.isArray(value.variations)
  );
}

function translate(
  experiment: Experiment,
  origin: string,
  audiences: ReadonlyMap<string, unknown>,
  groupNotes: readonly string[],
): ImportedExperiment {
  const notes = [...groupNotes];
  checkVariationCount(experiment.variations.length, origin);
  const variations: { id: string; key: string }[] = [];
  const keys = new Set<string>();
  experiment.variations.forEach((v, i) => {
    if (!isObject(v) || typeof v.id !== "string" || typeof v.key !== "string" || v.key === "")
      throw new ImportError(`${origin}: variations[${i}] must have a string id and key, got ${quote(v)}`);
    if (keys.has(v.key))
      throw new ImportError(`${origin}: variations[${i}]: key ${quote(v.key)} appears twice`);
    keys.add(v.key);
    variations.push({ id: v.id, key: v.key });
  });
  if (variations.length === 0) throw new ImportError(`${origin}: no variations`);
  const control = variations[0]!.key;

  const allocation = allocationOf(experiment, origin, variations, notes);
  const hashing: { -readonly [K in keyof OptimizelyHashing]: OptimizelyHashing[K] } = {
    mode: "optimizely",
    experimentId: experiment.id,
    ends: allocation.map((a) => a.end),
  };
  const variants: VariantDefinition[] = allocation.map((a) => ({
    id: a.key,
    weight: a.width,
    isControl: a.key === control,
  }));
  if (variants.every((v) => v.weight === 0)) variants[0] = { ...variants[0]!, weight: 1 };
  const last = allocation.length > 0 ? allocation[allocation.length - 1]!.end : 0;

  const running = experiment.status === "Running";
  if (!running)
    notes.push(
      `status ${quote(experiment.status)}: Optimizely serves no variation (imported with enabled = false)`,
    );

  // a Map: variation keys come from the payload (`__proto__`, `constructor` are keys like any other)
  const forcedUnits = new Map<string, string[]>();
  if (isObject(experiment.forcedVariations)) {
    for (const [user, key] of Object.entries(experiment.forcedVariations)) {
      if (typeof key === "string" && keys.has(key))
        forcedUnits.set(key, [...(forcedUnits.get(key) ?? []), user]);
      else
        notes.push(
          `forced variation ${quote(key)} for ${quote(user)} is not a variation: the SDK ignores it`,
        );
    }
  }

  let targeting: ImportedTargeting | undefined;
  const translated = translateOptimizelyAudiences(experiment, audiences);
  if (translated.ok) targeting = { include: translated.include, exclude: translated.exclude };
  else
    notes.push(
      `audiences ${quote(experiment.audienceConditions ?? experiment.audienceIds)} (${translated.reason}): units outside them are not in the Optimizely experiment; here everyone is bucketed`,
    );
  return {
    id: experiment.key,
    origin,
    variants,
    unit: "user",
    traffic: Math.min(1, last / MAX_RANGE),
    enabled: running,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    ...(forcedUnits.size > 0 ? { forced: Object.fromEntries(forcedUnits) } : {}),
    notReproduced: notes,
  };
}

type Slot = { key: string; end: number; width: number };

/**
 * The variants in allocation order with their `endOfRange`, as the mode reads them (first `value < end`). A
 * trailing empty range is the traffic cut; an empty range between variations, or a variation in several ranges,
 * cannot be written: the shares are kept, and the units in those ranges listed as moving.
 */
function allocationOf(
  experiment: Experiment,
  origin: string,
  variations: readonly { id: string; key: string }[],
  notes: string[],
): Slot[] {
  const raw = Array.isArray(experiment.trafficAllocation) ? experiment.trafficAllocation : [];
  const ranges: { key: string; start: number; end: number }[] = [];
  let previous = 0;
  raw.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.endOfRange !== "number" || !Number.isInteger(entry.endOfRange))
      throw new ImportError(
        `${origin}: trafficAllocation[${i}] needs a whole endOfRange, got ${quote(entry)}`,
      );
    const end = Math.min(MAX_RANGE, Math.max(previous, entry.endOfRange));
    const variation = variations.find((v) => v.id === entry.entityId);
    if (entry.entityId !== "" && variation === undefined)
      notes.push(
        `trafficAllocation[${i}] names ${quote(entry.entityId)}, not a variation: the SDK serves nobody there`,
      );
    ranges.push({ key: variation?.key ?? "", start: previous, end });
    previous = end;
  });
  // merge neighbours of one variation, drop empty widths and the trailing unallocated ranges
  const merged: { key: string; start: number; end: number }[] = [];
  for (const r of ranges) {
    if (r.end === r.start) continue;
    const top = merged[merged.length - 1];
    if (top !== undefined && top.key === r.key) top.end = r.end;
    else merged.push({ ...r });
  }
  while (merged.length > 0 && merged[merged.length - 1]!.key === "") merged.pop();
  const gaps = merged.filter((r) => r.key === "");
  const repeated = new Set<string>();
  const seen = new Set<string>();
  for (const r of merged) {
    if (r.key === "") continue;
    if (seen.has(r.key)) repeated.add(r.key);
    seen.add(r.key);
  }
  if (gaps.length === 0 && repeated.size === 0) {
    const slots: Slot[] = merged.map((r) => ({ key: r.key, end: r.end, width: r.end - r.start }));
    const end = slots.length > 0 ? slots[slots.length - 1]!.end : 0;
    for (const v of variations)
      if (!slots.some((s) => s.key === v.key)) slots.push({ key: v.key, end, width: 0 });
    return slots;
  }
  // not expressible: each variation keeps its share, laid out one after the other
  const width = new Map<string, number>();
  for (const r of merged) if (r.key !== "") width.set(r.key, (width.get(r.key) ?? 0) + r.end - r.start);
  if (gaps.length > 0)
    notes.push(
      `the allocation leaves ${gaps.map((g) => `[${g.start}, ${g.end})`).join(", ")} to no variation between variations: units there (and after) move; the shares are kept`,
    );
  if (repeated.size > 0)
    notes.push(
      `variation(s) ${[...repeated].map((k) => quote(k)).join(", ")} hold several ranges: units in the later ones move; the shares are kept`,
    );
  const slots: Slot[] = [];
  let end = 0;
  for (const v of variations) {
    const w = width.get(v.key) ?? 0;
    end += w;
    slots.push({ key: v.key, end, width: w });
  }
  return slots;
}
