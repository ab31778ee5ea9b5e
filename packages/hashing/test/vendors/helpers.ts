import { readFileSync } from "node:fs";

/** The vendor vectors kept in this repository (`fixtures/vectors`, sources in its README). */
const VECTORS = new URL("../../../../fixtures/vectors/", import.meta.url);

export function readVector<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, VECTORS), "utf8")) as T;
}

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

const ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@:";
// Latin-1 and beyond (é, ø, ß…), Greek, Cyrillic, CJK, Hangul, and astral (surrogate pairs: emoji, math).
const NON_ASCII = [
  "é",
  "ø",
  "ß",
  "ü",
  "Ω",
  "φ",
  "Ж",
  "я",
  "你",
  "好",
  "用",
  "户",
  "한",
  "ー",
  "€",
  "✓",
  "😀",
  "🌍",
  "👩‍💻",
  "𝔘",
  "\u00a0",
  "\u0301",
  "Ā",
  "ǅ",
  // unpaired surrogates (not valid Unicode, but a JS string can hold them): each SDK has its own answer
  "\ud800",
  "\udfff",
];

/**
 * `count` distinct ids: half ASCII (uuid-like, numeric, emails, short words), half with non-ASCII characters
 * mixed in (two-, three- and four-byte UTF-8, surrogate pairs, combining marks, unpaired surrogates).
 */
export function randomIds(count: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = (s: string | readonly string[]) => s[Math.floor(rand() * s.length)]!;
  const ids = new Set<string>();
  while (ids.size < count) {
    const kind = ids.size % 4;
    const length = 1 + Math.floor(rand() * 24);
    let id = "";
    if (kind === 0) id = String(Math.floor(rand() * 1e9));
    else if (kind === 1) for (let i = 0; i < length; i++) id += pick(ASCII);
    else for (let i = 0; i < length; i++) id += rand() < 0.4 ? pick(NON_ASCII) : pick(ASCII);
    if (kind >= 2 && !hasNonAscii(id)) id += pick(NON_ASCII);
    ids.add(id);
  }
  return [...ids];
}

export function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}
