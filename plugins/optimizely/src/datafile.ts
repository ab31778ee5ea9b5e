/** What the adapter reads of one experiment of a datafile (the SDK itself does all the evaluating). */
export interface DatafileExperiment {
  readonly key: string;
  readonly status: string;
  readonly variationKeys: readonly string[];
  /** The datafile's forced users (`forcedVariations`): user id -> variation key. */
  readonly forced: ReadonlyMap<string, string>;
}

interface RawExperiment {
  readonly key?: unknown;
  readonly status?: unknown;
  readonly variations?: readonly { readonly key?: unknown }[];
  readonly forcedVariations?: Readonly<Record<string, unknown>>;
}

/**
 * The experiments of a datafile by key, those of mutually exclusive groups included, as far as the adapter
 * needs them: which variations they have and which users the datafile forces. Throws a TypeError naming the
 * problem for a datafile that is not an object or has no `experiments` list.
 */
export function datafileExperiments(datafile: unknown): Map<string, DatafileExperiment> {
  if (typeof datafile !== "object" || datafile === null || Array.isArray(datafile)) {
    throw new TypeError("the datafile is not a JSON object");
  }
  const d = datafile as { experiments?: unknown; groups?: unknown };
  if (!Array.isArray(d.experiments)) throw new TypeError("the datafile has no experiments list");
  const all: RawExperiment[] = [...(d.experiments as RawExperiment[])];
  if (Array.isArray(d.groups)) {
    for (const group of d.groups as { experiments?: unknown }[]) {
      if (Array.isArray(group?.experiments)) all.push(...(group.experiments as RawExperiment[]));
    }
  }
  const found = new Map<string, DatafileExperiment>();
  for (const e of all) {
    if (typeof e?.key !== "string") continue;
    const forced = new Map<string, string>();
    for (const [user, variation] of Object.entries(e.forcedVariations ?? {})) {
      if (typeof variation === "string") forced.set(user, variation);
    }
    found.set(e.key, {
      key: e.key,
      status: typeof e.status === "string" ? e.status : "",
      variationKeys: (e.variations ?? []).flatMap((v) => (typeof v?.key === "string" ? [v.key] : [])),
      forced,
    });
  }
  return found;
}

/** The event keys a datafile declares (`track` sends only those). */
export function datafileEventKeys(datafile: unknown): Set<string> {
  const events = (datafile as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return new Set();
  return new Set(events.flatMap((e: { key?: unknown }) => (typeof e?.key === "string" ? [e.key] : [])));
}
