import { type ExperimentDefinition, makeVariant, type Variant } from "@assay/core";

/** The header that carries a request's assignments to the services it calls: `id=variant,id=variant`. */
export const EXPERIMENTS_HEADER = "x-assay-experiments";

// Bounds on what a receiving service reads, so a hostile header costs nothing: longer headers are cut at the
// limit (entries past it ignored), more entries than this are ignored.
const MAX_HEADER_LENGTH = 8192;
const MAX_ENTRIES = 64;

/**
 * `id=variant,...` for the given assignments, in order; an experiment listed twice keeps its first variant.
 * Ids are percent-encoded (a manifest may name an experiment `a,b` or a variant `ü`, which a header cannot
 * carry as is); the usual ids, letters, digits, `_` and `-`, travel unchanged.
 */
export function formatExperimentsHeader(variants: Iterable<Variant>): string {
  const seen = new Set<string>();
  const entries: string[] = [];
  for (const variant of variants) {
    if (seen.has(variant.experiment)) continue;
    seen.add(variant.experiment);
    entries.push(`${encodeURIComponent(variant.experiment)}=${encodeURIComponent(variant.variantId)}`);
  }
  return entries.join(",");
}

/**
 * Reads `x-assay-experiments` against the declared experiments. An entry is kept only when it is `id=variant`
 * with a declared experiment and one of its declared variants; anything else (no `=`, an unknown experiment or
 * variant, a repeated experiment, entries past the bounds) is ignored rather than trusted or thrown, since the
 * header comes from another service. Kept entries become enrolled Variants with `reason: "sticky"`: an earlier
 * assignment, made upstream, served again.
 */
export class PropagatedAssignments {
  private readonly served: ReadonlyMap<string, ReadonlyMap<string, Variant>>;

  constructor(experiments: readonly ExperimentDefinition[]) {
    const served = new Map<string, Map<string, Variant>>();
    for (const experiment of experiments) {
      const variants = new Map<string, Variant>();
      for (const v of experiment.variants) {
        // With the variant's declared value, as `assign` would serve it.
        variants.set(v.id, makeVariant(experiment.id, v.id, v.isControl, true, "sticky", v.value));
      }
      served.set(experiment.id, variants);
    }
    this.served = served;
  }

  /** The valid entries of a header value, by experiment id; undefined when none is valid. */
  parse(header: string | undefined): Map<string, Variant> | undefined {
    if (header === undefined || header.length === 0) return undefined;
    let found: Map<string, Variant> | undefined;
    const entries = header.slice(0, MAX_HEADER_LENGTH).split(",", MAX_ENTRIES);
    for (const entry of entries) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const experiment = decoded(entry.slice(0, eq).trim());
      if (experiment === undefined) continue;
      const variantId = decoded(entry.slice(eq + 1).trim());
      const variant = variantId === undefined ? undefined : this.served.get(experiment)?.get(variantId);
      if (variant === undefined || found?.has(experiment)) continue;
      found ??= new Map();
      found.set(experiment, variant);
    }
    return found;
  }
}

/** A percent-decoded header part, or undefined for a malformed escape (the entry is then ignored). */
function decoded(part: string): string | undefined {
  if (!part.includes("%")) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
