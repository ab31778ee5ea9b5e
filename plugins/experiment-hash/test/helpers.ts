import { nativeKey } from "@assay/hashing";

export { type ExperimentDefinition, MemoryEventStore } from "@assay/core";
/** Pins the key layout the hand-written check above relies on. */
export const nativeKeyForTest = nativeKey("exp", "u", "s");

/** mulberry32: a small deterministic PRNG, so every run checks the same ids. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@";
const WIDE = ["é", "ø", "ß", "Ω", "Ж", "你", "好", "한", "€", "😀", "👩‍💻", "\u0301"];

/** `count` distinct ids, every other one with non-ASCII characters (2-, 3-, 4-byte UTF-8, surrogate pairs). */
export function randomIds(count: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = (s: string | readonly string[]) => s[Math.floor(rand() * s.length)]!;
  const ids = new Set<string>();
  while (ids.size < count) {
    const wide = ids.size % 2 === 1;
    const length = 1 + Math.floor(rand() * 20);
    let id = "";
    for (let i = 0; i < length; i++) id += wide && rand() < 0.4 ? pick(WIDE) : pick(ASCII);
    if (wide) id += pick(WIDE);
    ids.add(id);
  }
  return [...ids];
}

/** The vendor vectors kept in this repository (`fixtures/vectors`, sources in its README). */
export const VECTORS = new URL("../../../fixtures/vectors/", import.meta.url);
