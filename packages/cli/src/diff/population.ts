import { createHash, randomBytes } from "node:crypto";

/** The units a diff assigns: the ids given (exact counts) or a uniform random sample (estimates). */
export interface Population {
  readonly ids: readonly string[];
  /** True for a sample: counts are estimates of the share of all units, with a margin. */
  readonly estimated: boolean;
  /** The sample's seed (for a rerun that draws the same ids); absent for the ids given. */
  readonly seed?: string;
}

/**
 * `size` random unit ids, uniform over the hash: 128-bit hex ids, drawn from SHA-256 of `seed:index`, so a
 * seed reproduces the sample and each id is independent of the others (the hash of a random id is uniform,
 * whichever hashing mode an experiment uses). Without a seed, one is drawn at random and reported.
 */
export function samplePopulation(size: number, seed?: string): Population {
  const chosen = seed ?? randomBytes(8).toString("hex");
  const ids: string[] = new Array(size);
  for (let i = 0; i < size; i++) {
    ids[i] = createHash("sha256").update(`${chosen}:${i}`).digest("hex").slice(0, 32);
  }
  return { ids, estimated: true, seed: chosen };
}

/** One id per line; a BOM, CRLF and empty lines are tolerated; an id listed twice counts once. */
export function idsPopulation(text: string): Population {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const seen = new Set<string>();
  for (const raw of body.split("\n")) {
    const id = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (id.length > 0) seen.add(id);
  }
  return { ids: [...seen], estimated: false };
}
