import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareRatio, linearizedRatio, type RatioStats, StatsInputError } from "../src/index.js";
import { expectRel, rng } from "./helpers.js";

interface RatioCase {
  seed: number;
  control: RatioStats;
  treatment: RatioStats;
  controlRatio: number;
  treatmentRatio: number;
  absolute: { estimate: number; standardError: number; df: number; pValue: number; ci: [number, number] };
  relative: { estimate: number; pValue: number; ci: [number, number] };
}
const reference = JSON.parse(
  readFileSync(new URL("fixtures/ratio-reference.json", import.meta.url), "utf8"),
) as { cases: RatioCase[] };

describe("compareRatio: the delta method over units", () => {
  it("matches the independent reference (generate_ratio.py): estimate, SE, df, p and CI, both scales", () => {
    expect(reference.cases.length).toBe(5);
    for (const c of reference.cases) {
      const label = `seed ${c.seed}`;
      const abs = compareRatio(c.control, c.treatment, { scale: "absolute" });
      expectRel(abs.controlMean, c.controlRatio, 1e-12, `${label} control ratio`);
      expectRel(abs.treatmentMean, c.treatmentRatio, 1e-12, `${label} treatment ratio`);
      expectRel(abs.estimate, c.absolute.estimate, 1e-9, `${label} estimate`);
      expectRel(abs.standardError, c.absolute.standardError, 1e-9, `${label} se`);
      expectRel(abs.df, c.absolute.df, 1e-9, `${label} df`);
      expectRel(abs.pValue, c.absolute.pValue, 1e-8, `${label} p`);
      expectRel(abs.ci[0], c.absolute.ci[0], 1e-8, `${label} ci low`);
      expectRel(abs.ci[1], c.absolute.ci[1], 1e-8, `${label} ci high`);
      const rel = compareRatio(c.control, c.treatment);
      expectRel(rel.estimate, c.relative.estimate, 1e-9, `${label} lift`);
      expectRel(rel.pValue, c.relative.pValue, 1e-8, `${label} relative p`);
      expectRel(rel.ci[0], c.relative.ci[0], 1e-8, `${label} Fieller low`);
      expectRel(rel.ci[1], c.relative.ci[1], 1e-8, `${label} Fieller high`);
    }
  });

  it("leaving out the covariance term would be wrong: it changes the SE", () => {
    const c = reference.cases[1]!;
    const a = linearizedRatio(c.control);
    const {
      n,
      sumNumerator: sx,
      sumDenominator: sy,
      sumNumeratorSquares: sxx,
      sumDenominatorSquares: syy,
    } = c.control;
    const r = sx / sy;
    const yBar = sy / n;
    const withoutCovariance = (sxx - (sx * sx) / n + r * r * (syy - (sy * sy) / n)) / (yBar * yBar);
    expect(a.sumSquaredDeviations!).toBeLessThan(0.8 * withoutCovariance); // revenue grows with orders
  });

  it("names the field of impossible statistics", () => {
    const ok = reference.cases[0]!.control;
    expect(() => compareRatio({ ...ok, sumDenominator: 0 }, ok)).toThrow(StatsInputError);
    expect(() => compareRatio({ ...ok, sumDenominator: 0 }, ok)).toThrow(
      /control\.sumDenominator: is 0 over 400 units/,
    );
    expect(() => compareRatio(ok, { ...ok, n: -1 })).toThrow(/treatment\.n/);
    expect(() => compareRatio(ok, { ...ok, sumProducts: Number.NaN })).toThrow(/treatment\.sumProducts/);
  });
});

describe("compareRatio: coverage (simulation, fixed seed)", () => {
  /** Orders per unit geometric with mean `orders`, revenue per order lognormal with mean `value`. */
  function draw(random: ReturnType<typeof rng>, n: number, orders: number, value: number): RatioStats {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      let y = 0;
      while (random.uniform() < orders / (1 + orders)) y++;
      let x = 0;
      for (let k = 0; k < y; k++) x += value * Math.exp(random.normal() - 0.5);
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
    return {
      n,
      sumNumerator: sx,
      sumDenominator: sy,
      sumNumeratorSquares: sxx,
      sumDenominatorSquares: syy,
      sumProducts: sxy,
    };
  }

  it("95% CIs of the ratio difference and of its lift cover the truth 95 ± 1.5% of 2,000 runs", () => {
    const random = rng(20261202);
    const runs = 2000;
    // true ratios: E[revenue]/E[orders] = value per order, 30 in control and 33 in treatment
    const trueDifference = 3;
    const trueLift = 0.1;
    let absoluteCovered = 0;
    let relativeCovered = 0;
    for (let run = 0; run < runs; run++) {
      const control = draw(random, 1000, 1.2, 30);
      const treatment = draw(random, 1000, 1.2, 33);
      const abs = compareRatio(control, treatment, { scale: "absolute" });
      if (abs.ci[0] <= trueDifference && trueDifference <= abs.ci[1]) absoluteCovered++;
      const rel = compareRatio(control, treatment);
      if (rel.ci[0] <= trueLift && trueLift <= rel.ci[1]) relativeCovered++;
    }
    console.log(
      `ratio CI coverage over ${runs} runs: absolute ${absoluteCovered / runs}, relative ${relativeCovered / runs}`,
    );
    expect(Math.abs(absoluteCovered / runs - 0.95)).toBeLessThanOrEqual(0.015);
    expect(Math.abs(relativeCovered / runs - 0.95)).toBeLessThanOrEqual(0.015);
  });

  it("A/A: 5 ± 1.5% false positives over 2,000 runs", () => {
    const random = rng(7);
    const runs = 2000;
    let positives = 0;
    for (let run = 0; run < runs; run++) {
      const r = compareRatio(draw(random, 800, 0.8, 20), draw(random, 800, 0.8, 20));
      if (r.pValue < 0.05) positives++;
    }
    expect(Math.abs(positives / runs - 0.05)).toBeLessThanOrEqual(0.015);
  });
});
