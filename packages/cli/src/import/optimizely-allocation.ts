import type { OptimizelyGroup, OptimizelyHashing, OptimizelyRange, VariantDefinition } from "@assay/core";
import { ImportError, isObject, quote } from "./imported.js";

/** Optimizely buckets into 0..9999; an `endOfRange` is at most this. */
export const MAX_RANGE = 10_000;

/** A datafile variation: its id (what allocations name) and key (what the SDK returns). */
export interface Variation {
  readonly id: string;
  readonly key: string;
}

/** An experiment's traffic allocation as the manifest writes it. */
export interface TranslatedAllocation {
  /** `ends` (one range per variant, in variant order) or `allocation` (gaps, a variant in several ranges). */
  readonly hashing: Pick<OptimizelyHashing, "ends" | "allocation">;
  /** The variants with their share of the 10,000 buckets as weight; the first variation is the control. */
  readonly variants: VariantDefinition[];
  /** The share of buckets that serve a variation (what the experiment enrols). */
  readonly traffic: number;
  /** What the manifest cannot reproduce of this allocation. */
  readonly notes: string[];
}

type Range = { variant: string | undefined; start: number; end: number };

/**
 * The datafile's `trafficAllocation` in the mode's terms. The SDK serves the first entry with `value <
 * endOfRange`, so ends are clamped to the previous end and to 10,000 (which moves nobody); neighbours of one
 * variation merge, empty ranges and the trailing unallocated ones drop. One range per variation in some order
 * is written as `ends` with the variants in that order; anything else (a gap between variations, a variation in
 * several ranges) as `allocation`, variants in datafile order. An entity that is no variation of the experiment
 * is a gap, as the SDK treats it, unless it is another experiment's variation: the SDK then serves that
 * variation's key, which is listed.
 */
export function translateAllocation(
  experiment: Record<string, unknown>,
  origin: string,
  variations: readonly Variation[],
  foreignVariations: ReadonlyMap<string, string>,
): TranslatedAllocation {
  const notes: string[] = [];
  const raw = Array.isArray(experiment.trafficAllocation) ? experiment.trafficAllocation : [];
  const byId = new Map(variations.map((v) => [v.id, v.key]));
  const ranges: Range[] = [];
  let previous = 0;
  raw.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.endOfRange !== "number" || !Number.isInteger(entry.endOfRange))
      throw new ImportError(
        `${origin}: trafficAllocation[${i}] needs a whole endOfRange, got ${quote(entry)}`,
      );
    const end = Math.min(MAX_RANGE, Math.max(previous, entry.endOfRange));
    const entity = typeof entry.entityId === "string" ? entry.entityId : "";
    const variant = byId.get(entity);
    if (variant === undefined && end > previous && foreignVariations.has(entity))
      notes.push(
        `trafficAllocation[${i}] names variation ${quote(entity)} of another experiment: the SDK serves its key ${quote(foreignVariations.get(entity))} to units in [${previous}, ${end}); here they are not enrolled`,
      );
    ranges.push({ variant, start: previous, end });
    previous = end;
  });
  const merged: Range[] = [];
  for (const r of ranges) {
    if (r.end === r.start) continue;
    const top = merged[merged.length - 1];
    if (top !== undefined && top.variant === r.variant) top.end = r.end;
    else merged.push({ ...r });
  }
  while (merged.length > 0 && merged[merged.length - 1]!.variant === undefined) merged.pop();
  const served = merged.filter((r) => r.variant !== undefined);
  const width = new Map<string, number>();
  for (const r of served) width.set(r.variant!, (width.get(r.variant!) ?? 0) + r.end - r.start);
  const traffic = [...width.values()].reduce((a, b) => a + b, 0) / MAX_RANGE;
  const control = variations[0]!.key;
  const simple = served.length === merged.length && width.size === served.length;
  if (simple) {
    const variants: VariantDefinition[] = served.map((r) => ({
      id: r.variant!,
      weight: r.end - r.start,
      isControl: r.variant === control,
    }));
    const ends = served.map((r) => r.end);
    const last = ends.length > 0 ? ends[ends.length - 1]! : 0;
    for (const v of variations) {
      if (width.has(v.key)) continue;
      variants.push({ id: v.key, weight: 0, isControl: v.key === control });
      ends.push(last);
    }
    return { hashing: { ends }, variants: withSomeWeight(variants), traffic, notes };
  }
  const allocation: OptimizelyRange[] = merged.map((r) =>
    r.variant === undefined ? { end: r.end } : { variant: r.variant, end: r.end },
  );
  const variants = variations.map((v) => ({
    id: v.key,
    weight: width.get(v.key) ?? 0,
    isControl: v.key === control,
  }));
  return { hashing: { allocation }, variants: withSomeWeight(variants), traffic, notes };
}

/** A manifest needs a positive total weight: an experiment that serves nobody keeps 1 on its first variant. */
function withSomeWeight(variants: VariantDefinition[]): VariantDefinition[] {
  if (variants.every((v) => v.weight === 0)) variants[0] = { ...variants[0]!, weight: 1 };
  return variants;
}

/** A datafile experiment (or delivery rule) with what every translation reads. */
export type Experiment = Record<string, unknown> & { key: string; id: string; variations: unknown[] };

export function isExperiment(value: unknown): value is Experiment {
  return (
    isObject(value) &&
    typeof value.key === "string" &&
    value.key !== "" &&
    typeof value.id === "string" &&
    value.id !== "" &&
    Array.isArray(value.variations)
  );
}

/** Whether a rule serves every bucket (0..9999) a variation of its own: then an audience match always buckets. */
export function servesEveryone(rule: Experiment): boolean {
  const variations = rule.variations.flatMap((v) =>
    isObject(v) && typeof v.id === "string" && typeof v.key === "string" ? [{ id: v.id, key: v.key }] : [],
  );
  if (variations.length === 0) return false;
  try {
    return translateAllocation(rule, "", variations, new Map()).traffic === 1;
  } catch {
    return false;
  }
}

/** A `random` group's own allocation as the mode's `group` (an empty entity serves no experiment). */
export function randomGroup(group: Record<string, unknown>, origin: string): OptimizelyGroup {
  if (typeof group.id !== "string" || group.id === "")
    throw new ImportError(`${origin}: a random group needs a string id, got ${quote(group.id)}`);
  const raw = Array.isArray(group.trafficAllocation) ? group.trafficAllocation : [];
  let previous = 0;
  const allocation = raw.map((entry, i) => {
    if (!isObject(entry) || typeof entry.endOfRange !== "number" || !Number.isInteger(entry.endOfRange))
      throw new ImportError(
        `${origin}: trafficAllocation[${i}] needs a whole endOfRange, got ${quote(entry)}`,
      );
    // clamped as the SDK reads them (first `value < endOfRange`): nobody moves
    previous = Math.min(10_000, Math.max(previous, entry.endOfRange));
    const experiment =
      typeof entry.entityId === "string" && entry.entityId !== "" ? entry.entityId : undefined;
    return experiment === undefined ? { end: previous } : { experiment, end: previous };
  });
  return { id: group.id, allocation };
}

/**
 * The bucket ranges `[start, end)` of an experiment's allocation that serve a variation: the SDK looks the
 * entity up among every variation of the datafile, so another experiment's variation id serves too.
 */
export function servedRanges(experiment: Experiment, variations: ReadonlySet<string>): [number, number][] {
  const raw = Array.isArray(experiment.trafficAllocation) ? experiment.trafficAllocation : [];
  const out: [number, number][] = [];
  let previous = 0;
  for (const entry of raw) {
    if (!isObject(entry) || typeof entry.endOfRange !== "number" || !Number.isInteger(entry.endOfRange))
      continue;
    const end = Math.min(MAX_RANGE, Math.max(previous, entry.endOfRange));
    if (end > previous && typeof entry.entityId === "string" && variations.has(entry.entityId)) {
      const top = out[out.length - 1];
      if (top !== undefined && top[1] === previous) top[1] = end;
      else out.push([previous, end]);
    }
    previous = end;
  }
  return out;
}
