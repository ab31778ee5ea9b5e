import { murmur3Utf8 } from "./vendors/murmur3.js";

const TWO_POW_32 = 4294967296;

/** Seed of layer hashing: a unit's point in a layer of mutually exclusive experiments. */
export const LAYER_SEED = 0x4c415952; // "LAYR"
/** Seed of flag rollouts: whether a unit is in a flag's rollout share. */
export const ROLLOUT_SEED = 0x464c4147; // "FLAG"
/** Seed of string flags' value choice, independent of the rollout. */
export const FLAG_VALUE_SEED = 0x56414c55; // "VALU"

/**
 * A point of [0, 1) for `unit` in `namespace` (a layer id, a flag key): murmur3 x86_32 of the UTF-8 bytes of
 * `namespace + ":" + unit` with `seed`, over 2^32. murmur3 is a different hash family from the native FNV-1a
 * + fmix32 of experiments, so a layer's slots and a flag's rollout are independent of every experiment's own
 * traffic and variant choice, and of each other (distinct seeds). Raising a threshold on this point only adds
 * units: `point < 0.2` implies `point < 0.3`.
 */
export function independentPoint(namespace: string, unit: string, seed: number): number {
  return murmur3Utf8(`${namespace}:${unit}`, seed) / TWO_POW_32;
}
