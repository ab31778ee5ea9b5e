import { normalCdf, normalUpperQuantile } from "../distributions/index.js";
import type { SequentialOptions, Sides } from "../frequentist/compare.js";
import { checkSequentialAlpha, resolveTuning, sequentialMultiplier } from "../frequentist/sequential.js";
import type { RelativeMethod } from "../moments/effect.js";
import type { MetricType, Scale } from "../moments/types.js";
import {
  checkCount,
  checkFinite,
  checkObject,
  checkOneOf,
  checkOpenUnit,
  checkPositive,
} from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";
import { crossingProbability } from "./boundary-crossing.js";

/** A sequential design: the confidence sequence, looked at `looks` times. */
export interface SequentialDesignOptions extends SequentialOptions {
  /**
   * Equally spaced looks up to the planned sample, the last one at it (look k at k/looks of the units);
   * the experiment stops at the first look whose confidence sequence excludes 0. Default 100. 1 is a
   * single analysis at the planned sample, with the sequential boundary.
   */
  readonly looks?: number;
}

/** The experiment design a power calculation is about. */
export interface DesignOptions {
  /** Default "mean". For "proportion", `mean` is the baseline rate and variances are p(1 - p). */
  readonly type?: MetricType;
  /** Control (baseline) mean of the metric. */
  readonly mean: number;
  /** Per-unit standard deviation; required for "mean" metrics (same in both arms). */
  readonly standardDeviation?: number;
  /** Default "relative": `effect` is a lift (0.05 = +5%). "absolute": a difference of means. */
  readonly scale?: Scale;
  /**
   * The relative test planned for (as `compare`'s option): default "fieller", whose test is the
   * absolute Welch test of m_B − m_A, so its power is that test's; "delta", GrowthBook's delta method.
   */
  readonly relative?: RelativeMethod;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default "two". */
  readonly sides?: Sides;
  /** Arms including control, default 2; `sampleSize` is split evenly over them, each compared to control. */
  readonly variants?: number;
  /** Plan for the sequential test (its confidence sequence is wider, so power is lower). */
  readonly sequential?: SequentialDesignOptions;
}

/** A design with defaults applied. */
export interface Design {
  readonly type: MetricType;
  readonly mean: number;
  readonly standardDeviation: number;
  readonly scale: Scale;
  readonly relative: RelativeMethod;
  readonly alpha: number;
  readonly sides: Sides;
  readonly variants: number;
  readonly tuning: number | undefined;
  /** Looks of a sequential design (1 when fixed-horizon). */
  readonly looks: number;
}

/** Validates a design and applies its defaults; throws `StatsInputError` naming the bad option. */
export function resolveDesign(input: DesignOptions): Design {
  const o = checkObject(input, "options") as unknown as DesignOptions;
  const type = o.type === undefined ? "mean" : checkOneOf(o.type, ["mean", "proportion"], "options.type");
  const scale =
    o.scale === undefined ? "relative" : checkOneOf(o.scale, ["relative", "absolute"], "options.scale");
  const mean = checkFinite(o.mean, "options.mean");
  let standardDeviation: number;
  if (type === "proportion") {
    if (!(mean > 0 && mean < 1)) {
      throw new StatsInputError(
        "options.mean",
        `a proportion's baseline must be strictly between 0 and 1, got ${mean}`,
      );
    }
    standardDeviation = Math.sqrt(mean * (1 - mean));
  } else {
    standardDeviation = checkPositive(o.standardDeviation, "options.standardDeviation");
  }
  if (scale === "relative" && mean === 0) {
    throw new StatsInputError("options.mean", 'must not be 0 for a relative effect (use scale "absolute")');
  }
  const variants = o.variants === undefined ? 2 : checkCount(o.variants, "options.variants");
  if (variants < 2) throw new StatsInputError("options.variants", `must be at least 2, got ${variants}`);
  const design: Design = {
    type,
    mean,
    standardDeviation,
    scale,
    relative:
      o.relative === undefined ? "fieller" : checkOneOf(o.relative, ["fieller", "delta"], "options.relative"),
    alpha: o.alpha === undefined ? 0.05 : checkOpenUnit(o.alpha, "options.alpha"),
    sides: o.sides === undefined ? "two" : checkOneOf(o.sides, ["two", "greater", "less"], "options.sides"),
    variants,
    tuning: o.sequential === undefined ? undefined : resolveTuning(o.sequential, "options.sequential"),
    looks: o.sequential === undefined ? 1 : resolveLooks(o.sequential.looks),
  };
  if (design.tuning !== undefined)
    checkSequentialAlpha(design.alpha, design.sides !== "two", "options.alpha");
  return design;
}

/** Most looks a design may have: the numeric integration costs grow with them. */
export const MAX_LOOKS = 1000;

function resolveLooks(value: unknown): number {
  if (value === undefined) return 100;
  const looks = checkCount(value, "options.sequential.looks");
  if (looks < 1 || looks > MAX_LOOKS) {
    throw new StatsInputError("options.sequential.looks", `must be between 1 and ${MAX_LOOKS}, got ${looks}`);
  }
  return looks;
}

/** Treatment mean implied by an effect. */
export function treatmentMean(d: Design, effect: number): number {
  return d.scale === "relative" ? d.mean * (1 + effect) : d.mean + effect;
}

/**
 * Standard error of the estimated effect with `perArm` units in each arm, on the scale of `effect`.
 * Relative with Fieller: the absolute contrast's SE over |m_A| (the test is the absolute one, so power
 * is Φ(Δ·|m_A|/SE_abs − z)); relative with "delta": the delta-method SE at the true ratio.
 */
export function effectStandardError(d: Design, effect: number, perArm: number): number {
  const mB = treatmentMean(d, effect);
  const varA = d.standardDeviation ** 2;
  const varB = d.type === "proportion" ? mB * (1 - mB) : varA;
  if (d.scale === "absolute") return Math.sqrt((varA + varB) / perArm);
  const mA = d.mean;
  if (d.relative === "fieller") return Math.sqrt((varA + varB) / perArm) / Math.abs(mA);
  return Math.sqrt(varB / (perArm * mA * mA) + (varA * mB * mB) / (perArm * mA ** 4));
}

/** The fixed-horizon normal critical value z_{1-α/2} (two-sided) or z_{1-α} (one-sided). */
export function fixedCritical(d: Design): number {
  return normalUpperQuantile(d.sides === "two" ? d.alpha / 2 : d.alpha);
}

/**
 * Power, by the normal approximation. Fixed horizon: P(reject) = Φ(Δ/SE - z) (+ Φ(-Δ/SE - z) when
 * two-sided). Sequential: the chance that the confidence sequence, looked at `looks` equally spaced
 * times up to the planned sample, excludes 0 at one of them, by numerical integration of the
 * standardised effect's path (see `crossingProbability`); with one look, Φ(Δ/SE - m) (+ Φ(-Δ/SE - m)),
 * m the sequence's multiplier at the planned sample.
 */
export function powerAt(d: Design, effect: number, perArm: number): number {
  if (d.type === "proportion") {
    const mB = treatmentMean(d, effect);
    if (!(mB >= 0 && mB <= 1)) return Number.NaN;
  }
  const se = effectStandardError(d, effect, perArm);
  const shift = effect / se;
  if (d.tuning !== undefined) {
    const tuning = d.tuning;
    const oneSided = d.sides !== "two";
    const drift = d.sides === "less" ? -shift : shift;
    const looks = d.looks;
    return crossingProbability(
      drift,
      looks,
      (k) => sequentialMultiplier((2 * perArm * k) / looks, d.alpha, tuning, oneSided),
      !oneSided,
    );
  }
  const z = fixedCritical(d);
  if (d.sides === "greater") return normalCdf(shift - z);
  if (d.sides === "less") return normalCdf(-shift - z);
  return normalCdf(shift - z) + normalCdf(-shift - z);
}
