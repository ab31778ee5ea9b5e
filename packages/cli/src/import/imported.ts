import type { HashingMode, VariantDefinition } from "@assay/core";

/** One vendor experiment translated into a manifest experiment. */
export interface ImportedExperiment {
  /** The Assay experiment id (the vendor's tracking key or flag key). */
  readonly id: string;
  /** Where it came from in the vendor payload, for people (`feature "checkout", rule 2`). */
  readonly origin: string;
  /** In the vendor's order; ids are what the vendor logs as the variation (GrowthBook `meta[].key`, PostHog variant keys). */
  readonly variants: readonly VariantDefinition[];
  readonly unit: string;
  readonly traffic: number;
  readonly enabled: boolean;
  readonly hashing: HashingMode;
  /**
   * What the vendor does for this experiment that hashing cannot reproduce (sticky buckets, forced users,
   * overrides, holdouts, targeting conditions...): units it touches may get another variant locally.
   */
  readonly notReproduced: readonly string[];
}

/** The result of translating a vendor payload. */
export interface ImportResult {
  readonly vendor: "growthbook" | "posthog";
  readonly experiments: readonly ImportedExperiment[];
  /** Entries of the payload that are not experiments (plain flags, rollouts) and were left out, with why. */
  readonly skipped: readonly string[];
}

/** A payload that cannot be imported at all (not JSON of the expected shape, encrypted...). */
export class ImportError extends Error {
  override readonly name = "ImportError";
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Assay's unit names: letters, digits, `_ . : -`, not starting with a digit. */
const UNIT = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** The manifest unit for a vendor attribute name, or undefined when the name cannot be a unit. */
export function unitFor(attribute: string, userAttribute: string): string | undefined {
  if (attribute === userAttribute) return "user";
  return UNIT.test(attribute) ? attribute : undefined;
}

/** Makes ids unique: a second `checkout` becomes `checkout_2`. */
export function uniqueIds(experiments: ImportedExperiment[]): ImportedExperiment[] {
  const seen = new Map<string, number>();
  return experiments.map((e) => {
    const n = (seen.get(e.id) ?? 0) + 1;
    seen.set(e.id, n);
    if (n === 1) return e;
    return {
      ...e,
      id: `${e.id}_${n}`,
      notReproduced: [
        ...e.notReproduced,
        `renamed from ${JSON.stringify(e.id)}: another experiment has that id`,
      ],
    };
  });
}
