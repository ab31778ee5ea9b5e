import { experiment as sdkExperiment } from "inngest";
import { describe, expect, it } from "vitest";
import { experiment, inngestBucketPoint, type SelectionInput } from "../src/index.js";

/** A small seeded PRNG (mulberry32), so the key set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code units the non-ASCII keys are drawn from: Latin-1, Greek, CJK, combining marks, emoji halves, ZWJ. */
const ALPHABET = [
  "a",
  "Z",
  "0",
  "-",
  "é",
  "ß",
  "Ω",
  "ж",
  "中",
  "文",
  "\u0301",
  "\u200d",
  "😀",
  "👩‍💻",
  "\uD83D",
  "\uDE00",
  "ﬁ",
  "\u0000",
];

/** 100,000 keys: ASCII ids, numbers, and non-ASCII strings with surrogate pairs and lone surrogates. */
function keys(): (string | number)[] {
  const random = prng(18);
  const out: (string | number)[] = [];
  for (let i = 0; i < 40_000; i++) out.push(`acct_${i.toString(36)}`);
  for (let i = 0; i < 10_000; i++) out.push(Math.floor(random() * 1e12));
  for (let i = 0; i < 50_000; i++) {
    let key = "";
    const length = 1 + Math.floor(random() * 12);
    for (let j = 0; j < length; j++) key += ALPHABET[Math.floor(random() * ALPHABET.length)];
    out.push(key);
  }
  return out;
}

const CONFIGS: { name: string; variants: string[]; weights?: Record<string, number> }[] = [
  { name: "equal weights", variants: ["control", "treatment"] },
  { name: "90/10", variants: ["stripe", "adyen"], weights: { stripe: 90, adyen: 10 } },
  // localeCompare order ("alpha" < "Ärger" < "beta" < "Zeta") differs from code-unit order.
  {
    name: "names sorted by locale",
    variants: ["Zeta", "alpha", "Ärger", "beta"],
    weights: { Zeta: 1, alpha: 2, Ärger: 1, beta: 1 },
  },
  { name: "fractional weights", variants: ["a", "b", "c"], weights: { c: 0.7, a: 0.1, b: 0.2 } },
];

describe('experiment.bucket(key, { hash: "inngest" }) is the Inngest SDK\'s experiment.bucket()', () => {
  const all = keys();

  it.each(CONFIGS)("selects what the SDK selects for 100,000 ASCII and non-ASCII keys: $name", (config) => {
    const input: SelectionInput = {
      experiment: "payments-provider",
      runId: "run",
      variants: config.variants,
    };
    const options = config.weights === undefined ? {} : { weights: config.weights };
    let disagreements = 0;
    const firstDisagreements: unknown[] = [];
    for (const key of all) {
      const sdk = sdkExperiment.bucket(key, options)(config.variants);
      const ours = experiment.bucket(key, { ...options, hash: "inngest" }).select(input);
      if (!(ours instanceof Promise) && ours.variant === sdk) continue;
      disagreements++;
      if (firstDisagreements.length < 5) firstDisagreements.push({ key, sdk, ours });
    }
    expect(firstDisagreements).toEqual([]);
    expect(disagreements).toBe(0);
  });

  it("Assay's default hash is salted and so disagrees with the SDK on many keys (the comparison can fail)", () => {
    const input: SelectionInput = { experiment: "payments-provider", runId: "run", variants: ["a", "b"] };
    const sample = all.slice(0, 200);
    const moved = sample.filter(
      (key) =>
        (experiment.bucket(key).select(input) as { variant: string }).variant !==
        sdkExperiment.bucket(key)(["a", "b"]),
    ).length;
    expect(moved).toBeGreaterThan(60);
    expect(moved).toBeLessThan(140);
  });

  it("hashes the SDK's bytes: lone surrogates as their three-byte form, not U+FFFD", () => {
    // Node's UTF-8 encoder maps both lone surrogates to U+FFFD, so they would share a point.
    expect(inngestBucketPoint("\uD800")).not.toBe(inngestBucketPoint("\uDFFF"));
    expect(inngestBucketPoint("\uD83D\uDE00")).toBe(inngestBucketPoint("😀"));
  });

  it("rejects an unknown hash mode, and hash with { manifest }", () => {
    expect(() => experiment.bucket("k", { hash: "md5" as never })).toThrow(
      'experiment.bucket(): hash must be "assay" or "inngest", got string "md5"',
    );
    expect(() => experiment.bucket("k", { manifest: true, hash: "inngest" })).toThrow(
      "hash cannot be combined with { manifest }",
    );
  });
});
