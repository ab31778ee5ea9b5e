/**
 * statsig-node hashes with its own SHA-256 (a copy of js-sha256), which pads one class of messages wrongly:
 * when the message's last 64-byte block boundary falls inside a multi-byte UTF-8 character and the final
 * block holds 56 to 63 bytes (so the length needs one more block), the first word of that extra block keeps
 * the bytes of the character that crossed the boundary instead of zeros. The digest then differs from
 * SHA-256 (about 1 in 100,000 random long non-ASCII ids). node:crypto cannot compute it, so this file
 * computes SHA-256 block by block for exactly those messages.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/**
 * The word statsig-node leaves in the extra padding block, or 0 when the message is hashed correctly: the
 * bytes at the final block's start that continue a character begun in the previous block (UTF-8 continuation
 * bytes `10xxxxxx`), big-endian from the word's first byte, when the final block holds 56..63 bytes.
 */
export function staleWord(bytes: Uint8Array): number {
  const rest = bytes.length % 64;
  if (bytes.length < 64 || rest < 56) return 0;
  const start = bytes.length - rest;
  let word = 0;
  for (let k = 0; k < 3 && (bytes[start + k]! & 0xc0) === 0x80; k++)
    word |= bytes[start + k]! << (24 - 8 * k);
  return word >>> 0;
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

function compress(state: Uint32Array, w: Uint32Array): void {
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15]!;
    const b = w[t - 2]!;
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as number[];
  for (let t = 0; t < 64; t++) {
    const t1 =
      (h! + (rotr(e!, 6) ^ rotr(e!, 11) ^ rotr(e!, 25)) + ((e! & f!) ^ (~e! & g!)) + K[t]! + w[t]!) | 0;
    const t2 = ((rotr(a!, 2) ^ rotr(a!, 13) ^ rotr(a!, 22)) + ((a! & b!) ^ (a! & c!) ^ (b! & c!))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d! + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  const out = [a, b, c, d, e, f, g, h];
  for (let i = 0; i < 8; i++) state[i] = (state[i]! + out[i]!) >>> 0;
}

/**
 * The digest statsig-node's SHA-256 gives for `bytes`: SHA-256 whose extra padding block starts with
 * `stale` (`staleWord(bytes)`) instead of zeros. With `stale` 0 it is plain SHA-256.
 */
export function statsigSha256(bytes: Uint8Array, stale: number): Buffer {
  const state = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rest = bytes.length % 64;
  const full = bytes.length - rest;
  const word = (at: number) =>
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  for (let offset = 0; offset < full; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = word(offset + 4 * i);
    compress(state, w);
  }
  // final block: the remaining bytes, then 0x80, then zeros (and the length when it fits)
  const last = new Uint8Array(64);
  last.set(bytes.subarray(full));
  last[rest] = 0x80;
  const bits = bytes.length * 8;
  const setLength = (block: Uint8Array) => {
    const view = new DataView(block.buffer);
    view.setUint32(56, Math.floor(bits / 4294967296));
    view.setUint32(60, bits >>> 0);
  };
  const load = (block: Uint8Array) => {
    const view = new DataView(block.buffer);
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(4 * i);
  };
  if (rest < 56) {
    setLength(last);
    load(last);
    compress(state, w);
  } else {
    load(last);
    compress(state, w);
    const extra = new Uint8Array(64);
    new DataView(extra.buffer).setUint32(0, stale);
    setLength(extra);
    load(extra);
    compress(state, w);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32BE(state[i]!, 4 * i);
  return out;
}
