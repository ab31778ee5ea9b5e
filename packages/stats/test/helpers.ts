import { expect } from "vitest";

/** Rounds like numpy's round(x, decimals) for comparing with GrowthBook's 5-decimal vectors. */
export function round(x: number, decimals = 5): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Asserts |actual - expected| <= tol * |expected| (or absolute when expected is 0). */
export function expectRel(actual: number, expected: number, tol: number, label = ""): void {
  if (expected === actual) return;
  const scale = expected === 0 ? 1 : Math.abs(expected);
  const err = Math.abs(actual - expected) / scale;
  expect(err, `${label} actual ${actual} expected ${expected} rel err ${err}`).toBeLessThanOrEqual(tol);
}

/** Seeded PRNG (mulberry32) with a Box-Muller normal generator, for reproducible simulations. */
export function rng(seed: number): { uniform(): number; normal(): number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}
