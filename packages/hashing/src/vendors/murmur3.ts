import murmurhash from "murmurhash";

/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of `text` (the `murmurhash` package, which encodes strings with
 * TextEncoder, so a lone surrogate is hashed as U+FFFD). Optimizely's JS SDK hashes with this very package;
 * FeatureSignals' Go server hashes `[]byte(string)`, which is UTF-8 too.
 */
export function murmur3Utf8(text: string, seed: number): number {
  return murmurhash.v3(text, seed) >>> 0;
}

let scratch = new Uint8Array(64);

/**
 * MurmurHash3 x86_32 over the low byte of every UTF-16 code unit of `text` (`charCodeAt(i) & 0xff`), with the
 * length in code units. This is what the `murmurhash3js` package does with any string, and so what Unleash's
 * Node SDK hashes: for ASCII it equals UTF-8, for anything else it does not (pid/murmurHash3js#3). ASCII input
 * is passed straight to the hash; other strings are narrowed into a reused buffer.
 */
export function murmur3LowBytes(text: string, seed: number): number {
  const length = text.length;
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return murmurhash.v3(text, seed) >>> 0;
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  for (let i = 0; i < length; i++) scratch[i] = text.charCodeAt(i) & 0xff;
  return murmurhash.v3(scratch.subarray(0, length), seed) >>> 0;
}
