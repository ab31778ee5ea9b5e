// Fixed-horizon A/A simulations with fixed seeds (issue 13): one analysis at each of 30 … 10,000 units
// per arm (nested samples of the same experiments), both scales (the relative scale's p is the
// absolute Welch p, so their rates differ only where the control mean is 0 and the relative test
// abstains), two- and one-sided.
//
// Binomial margins: conversions 4,000 experiments (a level-5% test has sd 0.34%: the 4–6% band at
// ≥ 2,000 per arm is ±2.9 sd around 5%); normal and revenue 2,000 (sd 0.49%: "≤ 6%" is 2 sd above 5%).
// One-sided: in an A/A test "greater" and "less" have the same rate (the arms are exchangeable), so
// their average, over twice the rejections, is the estimate held to 6%; each tail alone is printed.
// (Conversions at 100 per arm, 5 expected conversions, come out near 5.7% one-sided: the Welch
// approximation's skew on a discrete statistic.)
import { describe, expect, it } from "vitest";
import { checksOf, type Scenario, simulateAa } from "./aa-simulation.js";

const HORIZONS = [30, 100, 300, 1000, 2000, 5000, 10_000];

describe.each([
  ["conversion", 4000, 2026120211],
  ["normal", 2000, 2026120212],
  ["revenue", 2000, 2026120213],
] as const)(
  "fixed-horizon A/A on %s, %i experiments",
  (scenario: Scenario, experiments: number, seed: number) => {
    const rates = simulateAa({
      scenario,
      experiments,
      seed,
      sequential: [],
      lookEvery: 100,
      maxPerArm: 10_000,
      fixed: checksOf({}),
      horizons: HORIZONS,
    });
    console.info(`fixed A/A ${scenario}:`, Object.fromEntries(rates));

    it("at most 6% false positives at every size from 30 to 10,000 per arm, both scales, two- and one-sided", () => {
      expect(rates.size).toBe(6 * HORIZONS.length);
      for (const scale of ["relative", "absolute"]) {
        for (const n of HORIZONS) {
          const at = (sides: string) => rates.get(`${scale}/${sides}@${n}`) ?? Number.NaN;
          expect(at("two"), `${scale} two-sided @${n}`).toBeLessThanOrEqual(0.06);
          expect((at("greater") + at("less")) / 2, `${scale} one-sided @${n}`).toBeLessThanOrEqual(0.06);
        }
      }
    });

    if (scenario === "conversion") {
      it("conversions at ≥ 2,000 per arm: between 4% and 6% (the test has its size, not just a bound)", () => {
        for (const [key, rate] of rates) {
          if (Number(key.split("@")[1]) < 2000) continue;
          expect(rate, key).toBeGreaterThanOrEqual(0.04);
          expect(rate, key).toBeLessThanOrEqual(0.06);
        }
      });
    }
  },
);
