import type { HashingMode, VariantDefinition } from "@assay/core";
import type { ImportedTargeting } from "./targeting-rules.js";

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
   * The vendor's targeting translated into manifest rules (written as `targeting = { include, exclude }`), when
   * it could be translated whole; otherwise absent and the condition is listed in `notReproduced`.
   */
  readonly targeting?: ImportedTargeting;
  /** Units the vendor always serves one variant (Optimizely's `forcedVariations`): variant id -> unit ids. */
  readonly forced?: Readonly<Record<string, readonly string[]>>;
  /**
   * What the vendor does for this experiment that hashing cannot reproduce (sticky buckets, forced users,
   * overrides, holdouts, targeting conditions...): units it touches may get another variant locally.
   */
  readonly notReproduced: readonly string[];
}

/** The result of translating a vendor payload. */
export interface ImportResult {
  readonly vendor: "growthbook" | "posthog" | "optimizely" | "unleash" | "statsig";
  readonly experiments: readonly ImportedExperiment[];
  /** Entries of the payload that are not experiments (plain flags, rollouts) and were left out, with why. */
  readonly skipped: readonly string[];
}

/** A payload that cannot be imported at all (not JSON of the expected shape, encrypted...). */
export class ImportError extends Error {
  override readonly name = "ImportError";
}

/** The import's bounds on what it writes (see PAYLOAD_LIMITS in read-payload.ts, which re-exports them). */
export const OUTPUT_LIMITS = Object.freeze({ experiments: 2_000, variations: 1_000 });

/** None, or past OUTPUT_LIMITS.experiments (the manifest would take longer to load than any real project needs). */
export function checkExperimentCount(count: number): void {
  // an empty manifest would serve nothing: say so instead of writing one
  if (count === 0)
    throw new ImportError("no experiment in the payload: every entry was skipped, or it holds none");
  if (count > OUTPUT_LIMITS.experiments) {
    throw new ImportError(
      `${count} experiments, more than the import's limit of ${OUTPUT_LIMITS.experiments}; split the payload`,
    );
  }
}

/** Past OUTPUT_LIMITS.variations an experiment is not one any vendor serves. */
export function checkVariationCount(count: number, origin: string): void {
  if (count > OUTPUT_LIMITS.variations) {
    throw new ImportError(
      `${origin}: ${count} variations, more than the import's limit of ${OUTPUT_LIMITS.variations}`,
    );
  }
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

/** Makes ids unique: a second `checkout` becomes `checkout_2` (or `_3`... when the payload has that id too). */
export function uniqueIds(experiments: ImportedExperiment[]): ImportedExperiment[] {
  const taken = new Set(experiments.map((e) => e.id));
  const seen = new Set<string>();
  return experiments.map((e) => {
    if (!seen.has(e.id)) {
      seen.add(e.id);
      return e;
    }
    let n = 2;
    while (taken.has(`${e.id}_${n}`)) n++;
    const id = `${e.id}_${n}`;
    taken.add(id);
    seen.add(id);
    return {
      ...e,
      id,
      notReproduced: [...e.notReproduced, `renamed from ${quote(e.id)}: another experiment has that id`],
    };
  });
}

/**
 * A payload value as a message or a manifest comment shows it: JSON, cut at `max` characters (a condition can be
 * megabytes), with the characters a terminal or TOML would act on (DEL, C1 controls, line separators) escaped.
 */
export function quote(value: unknown, max = 200): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  // never cut between the two halves of a surrogate pair
  const end = max > 0 && /[\ud800-\udbff]/.test(json.charAt(max - 1)) ? max - 1 : max;
  const cut = json.length > max ? `${json.slice(0, end)}…` : json;
  return cut.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
