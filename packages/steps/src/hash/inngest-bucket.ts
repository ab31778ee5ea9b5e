import { createHash } from "node:crypto";

/**
 * The Inngest SDK's `experiment.bucket()` (inngest 4.x, `ExperimentStrategies`), reproduced so that a workflow
 * moves between Inngest's own experiments and Assay's `bucket(key, { hash: "inngest" })` with no key moved:
 *
 * 1. the key's point is the first 32 bits of SHA-256 over its UTF-8 bytes, divided by 2^32 (no salt);
 * 2. the weights' entries are sorted by `String.prototype.localeCompare` (not code-unit order, so "Z" and
 *    "a" sort as a person would), and the point falls into the first entry whose cumulative share exceeds it.
 *
 * Written from the SDK's behaviour; checked against `experiment.bucket` of the `inngest` package on 100,000
 * keys in `test/inngest-bucket.test.ts`.
 */

const TWO_POW_32 = 4_294_967_296;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The bytes the SDK hashes for `text`. The SDK's SHA-256 (hash.js) encodes a string as UTF-8 itself and
 * writes a lone surrogate as its three-byte form (WTF-8), where Node's UTF-8 encoder would write U+FFFD;
 * well-formed text is plain UTF-8 either way.
 */
export function sdkKeyBytes(text: string): Uint8Array {
  if (!SURROGATE.test(text)) return Buffer.from(text, "utf8");
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes.push(c);
    } else if (c < 0x800) {
      bytes.push((c >> 6) | 0xc0, (c & 0x3f) | 0x80);
    } else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      c = 0x10000 + ((c & 0x3ff) << 10) + (text.charCodeAt(++i) & 0x3ff);
      bytes.push((c >> 18) | 0xf0, ((c >> 12) & 0x3f) | 0x80, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
    } else {
      bytes.push((c >> 12) | 0xe0, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
    }
  }
  return Uint8Array.from(bytes);
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The key's point in [0, 1): the first 32 bits of SHA-256 of the key, over 2^32. */
export function inngestBucketPoint(key: string): number {
  const digest = createHash("sha256").update(sdkKeyBytes(key)).digest();
  return digest.readUInt32BE(0) / TWO_POW_32;
}

/**
 * The variant whose share of `weights` holds `point`, the entries taken in `localeCompare` order. The float
 * arithmetic is the SDK's (share by share, `weight / total`), so borders fall on the same keys. The last
 * entry is the fallback for a point past the summed shares, as in the SDK (it cannot happen for fewer than
 * about two million variants: the shares' rounding error stays below the points' spacing of 2^-32).
 */
export function inngestPick(point: number, weights: Readonly<Record<string, number>>): string {
  const entries = Object.entries(weights).sort(([a], [b]) => a.localeCompare(b));
  let total = 0;
  for (const [, weight] of entries) total += weight;
  let cursor = 0;
  for (const [name, weight] of entries) {
    cursor += weight / total;
    if (point < cursor) return name;
  }
  return entries[entries.length - 1]![0];
}

/** The variant the Inngest SDK's `experiment.bucket(key, { weights })` selects for `key`. */
export function inngestBucket(key: string, weights: Readonly<Record<string, number>>): string {
  return inngestPick(inngestBucketPoint(key), weights);
}
