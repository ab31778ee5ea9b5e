import { checkFinite, checkOpenUnit, checkPositive } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import { type Design, type DesignOptions, powerAt, resolveDesign } from "./design.js";

/** Options of `power`: a design, the true effect and the total sample size. */
export interface PowerOptions extends DesignOptions {
  /** The true effect to detect, in the units of `scale`. */
  readonly effect: number;
  /** Total units over all arms. */
  readonly sampleSize: number;
}

/** Options of `sampleSize`: a design, the effect to detect and the target power. */
export interface SampleSizeOptions extends DesignOptions {
  readonly effect: number;
  /** Target power, default 0.8. */
  readonly power?: number;
}

/** Options of `mde`: a design, the total sample size and the target power. */
export interface MdeOptions extends DesignOptions {
  /** Total units over all arms. */
  readonly sampleSize: number;
  /** Target power, default 0.8. */
  readonly power?: number;
}

/** Units needed per arm and in total. */
export interface SampleSizeResult {
  readonly perArm: number;
  readonly total: number;
  /** Power actually reached with `perArm` units (≥ the target). */
  readonly power: number;
}

/**
 * Power of a fixed-horizon or sequential test: the chance to reject the null at the planned sample
 * size when the true effect is `effect` (two-sided: both rejection regions count).
 *
 * @example power({ mean: 10, standardDeviation: 62.5, effect: 0.05, sampleSize: 400000, variants: 3 }) // ≈ 0.52
 */
export function power(options: PowerOptions): number {
  const d = resolveDesign(options);
  const effect = checkEffect(d, options.effect);
  const total = checkPositive(options.sampleSize, "options.sampleSize");
  return powerAt(d, effect, total / d.variants);
}

/** Smallest whole number of units per arm whose power reaches the target. */
export function sampleSize(options: SampleSizeOptions): SampleSizeResult {
  const d = resolveDesign(options);
  const effect = checkEffect(d, options.effect);
  const target = options.power === undefined ? 0.8 : checkOpenUnit(options.power, "options.power");
  // A design looked at several times has at least the power of its last look alone, which is cheap
  // (closed form): that look's sample size brackets the answer from above.
  const single = d.looks > 1 ? { ...d, looks: 1 } : d;
  let hi = smallestReaching(single, effect, target, 2);
  if (single !== d) {
    let lo = Math.max(1, Math.floor(hi / 2));
    while (lo > 1 && powerAt(d, effect, lo) >= target) {
      hi = lo;
      lo = Math.max(1, Math.floor(lo / 2));
    }
    hi = lo === hi ? hi : interpolate(d, effect, target, lo, hi);
  }
  return { perArm: hi, total: hi * d.variants, power: powerAt(d, effect, hi) };
}

/** Smallest whole n ≥ 1 reaching the target: doubling from `start`, then bisection. */
function smallestReaching(d: Design, effect: number, target: number, start: number): number {
  const reaches = (n: number) => powerAt(d, effect, n) >= target;
  let hi = start;
  while (!reaches(hi)) {
    hi *= 2;
    if (hi > 2 ** 53) {
      throw new StatsInputError(
        "options.effect",
        `${effect} cannot be detected with power ${target} at any sample size with these settings`,
      );
    }
  }
  let lo = hi === 2 ? 1 : hi / 2;
  if (reaches(lo)) hi = lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (reaches(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Smallest whole n in (lo, hi] reaching the target, given power(lo) < target ≤ power(hi): regula
 * falsi with the Illinois step (power is smooth in n, so a handful of evaluations instead of a
 * bisection's ~15; each sequential evaluation is a numerical integration).
 */
function interpolate(d: Design, effect: number, target: number, lo: number, hi: number): number {
  let fLo = powerAt(d, effect, lo) - target;
  let fHi = powerAt(d, effect, hi) - target;
  let side = 0;
  while (hi - lo > 1) {
    let mid = Math.round(lo + (fLo / (fLo - fHi)) * (hi - lo));
    mid = Math.min(hi - 1, Math.max(lo + 1, mid));
    const f = powerAt(d, effect, mid) - target;
    if (f >= 0) {
      hi = mid;
      fHi = f;
      if (side === 1) fLo /= 2;
      side = 1;
    } else {
      lo = mid;
      fLo = f;
      if (side === -1) fHi /= 2;
      side = -1;
    }
  }
  return hi;
}

/**
 * Minimum detectable effect: the effect (in the units of `scale`; negative for sides "less") whose
 * power at `sampleSize` equals the target. `Infinity` (or `-Infinity`) when no effect reaches it, which
 * happens for relative effects on small samples (the delta-method variance grows with the lift).
 */
export function mde(options: MdeOptions): number {
  const d = resolveDesign(options);
  const total = checkPositive(options.sampleSize, "options.sampleSize");
  const target = options.power === undefined ? 0.8 : checkOpenUnit(options.power, "options.power");
  const perArm = total / d.variants;
  const sign = d.sides === "less" ? -1 : 1;
  const limit = maxEffect(d);
  const at = (e: number) => {
    const p = powerAt(d, sign * e, perArm);
    return Number.isNaN(p) ? -1 : p;
  };
  let hi = Math.min(d.standardDeviation / Math.abs(d.scale === "relative" ? d.mean : 1), limit);
  while (at(hi) < target) {
    if (hi >= limit) return sign * Number.POSITIVE_INFINITY;
    hi = Math.min(hi * 2, limit);
  }
  // Regula falsi with the Illinois step, kept inside the bracket [lo, hi] with at(lo) < target.
  let lo = 0;
  let fLo = at(lo) - target;
  let fHi = at(hi) - target;
  let side = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    let mid = lo + (fLo / (fLo - fHi)) * (hi - lo);
    if (!(mid > lo && mid < hi)) mid = 0.5 * (lo + hi);
    const f = at(mid) - target;
    if (f >= 0) {
      hi = mid;
      fHi = f;
      if (side === 1) fLo /= 2;
      side = 1;
    } else {
      lo = mid;
      fLo = f;
      if (side === -1) fHi /= 2;
      side = -1;
    }
    if (Math.abs(f) < 1e-12) break;
  }
  return sign * hi;
}

/** The largest |effect| that keeps the treatment a valid metric value (proportions stay in [0, 1]). */
function maxEffect(d: Design): number {
  if (d.type !== "proportion") return 1e12;
  const room = 1 - d.mean;
  const down = d.mean;
  const abs = d.sides === "less" ? down : room;
  return d.scale === "relative" ? abs / d.mean : abs;
}

function checkEffect(d: Design, value: unknown): number {
  const effect = checkFinite(value, "options.effect");
  if (effect === 0) throw new StatsInputError("options.effect", "must not be 0");
  if (d.type === "proportion") {
    const mB = d.scale === "relative" ? d.mean * (1 + effect) : d.mean + effect;
    if (!(mB >= 0 && mB <= 1)) {
      throw new StatsInputError("options.effect", `puts the treatment rate at ${mB}, outside [0, 1]`);
    }
  }
  return effect;
}
