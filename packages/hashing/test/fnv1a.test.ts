import { describe, expect, it } from "vitest";
import { fmix32, fnv1a32, fnv1a32Continue } from "../src/index.js";

// Independent references, written from the definitions rather than from the implementation under test.
function fnvBytes(bytes: Uint8Array, state = 0x811c9dc5): number {
  let h = BigInt(state);
  for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) & 0xffffffffn;
  return Number(h);
}
function fmixBig(value: number): number {
  let h = BigInt(value);
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & 0xffffffffn;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & 0xffffffffn;
  h ^= h >> 16n;
  return Number(h);
}
const utf8 = (s: string) => new TextEncoder().encode(s);

function randomString(random: () => number, withSurrogates: boolean): string {
  const pools = [
    [0x20, 0x7e],
    [0xa0, 0x7ff],
    [0x800, 0xd7ff],
    [0xe000, 0xfffd],
    [0x10000, 0x10ffff],
  ] as const;
  let s = "";
  const length = Math.floor(random() * 20);
  for (let i = 0; i < length; i++) {
    if (withSurrogates && random() < 0.1) {
      s += String.fromCharCode(0xd800 + Math.floor(random() * 0x800));
      continue;
    }
    const [lo, hi] = pools[Math.floor(random() * pools.length)]!;
    s += String.fromCodePoint(lo + Math.floor(random() * (hi - lo)));
  }
  return s;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("FNV-1a 32 over UTF-8", () => {
  it("matches the published FNV-1a test values", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("fnv-plus and the byte-level definition agree on random well-formed strings", () => {
    const random = mulberry32(7);
    for (let i = 0; i < 5000; i++) {
      const s = randomString(random, false);
      expect(fnv1a32(s)).toBe(fnvBytes(utf8(s)));
    }
  });

  it("continuing from a prefix state equals hashing the concatenation", () => {
    const random = mulberry32(11);
    for (let i = 0; i < 5000; i++) {
      const a = randomString(random, false);
      const b = randomString(random, false);
      expect(fnv1a32Continue(fnv1a32(a), b)).toBe(fnv1a32(a + b));
    }
  });

  it("hashes lone surrogates as U+FFFD, like TextEncoder", () => {
    const random = mulberry32(13);
    for (let i = 0; i < 5000; i++) {
      const s = randomString(random, true);
      expect(fnv1a32Continue(0x811c9dc5, s)).toBe(fnvBytes(utf8(s)));
    }
    expect(fnv1a32Continue(0x811c9dc5, "\ud800")).toBe(fnv1a32("\ufffd"));
    expect(fnv1a32Continue(0x811c9dc5, "a\udc00b")).toBe(fnv1a32("a\ufffdb"));
  });
});

describe("fmix32", () => {
  it("is murmur3's finalizer", () => {
    expect(fmix32(0)).toBe(0);
    const random = mulberry32(3);
    for (let i = 0; i < 10000; i++) {
      const v = Math.floor(random() * 4294967296);
      expect(fmix32(v)).toBe(fmixBig(v));
    }
  });
});
