// Rounding in the sufficient statistics: a naive running sum over 1e8 units can leave sumSquares a
// few parts in 1e9 below sum²/n; that is rounding, not bad data, and must not make compare throw.
import { describe, expect, it } from "vitest";
import { compare, evaluate, StatsInputError } from "../src/index.js";

/** Σy and Σy² accumulated one unit at a time in doubles, as a naive store would. */
function naiveSums(value: number, n: number) {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    sum += value;
    sumSquares += value * value;
  }
  return { n, sum, sumSquares };
}

describe("numerics: tolerances scale with n·ε", () => {
  it("a constant 3.3 summed naively over 1e8 units (sumSquares 4.8e-9 below sum²/n) compares without throwing", () => {
    const control = naiveSums(3.3, 1e8);
    // the accumulated statistics really are "impossible" by Cauchy–Schwarz
    expect(control.sumSquares - (control.sum * control.sum) / control.n).toBeLessThan(
      -1e-9 * control.sumSquares,
    );
    const treatment = { ...control, n: control.n, sum: control.sum * (1 + 1e-12) };
    for (const scale of ["relative", "absolute"] as const) {
      const r = compare(control, treatment, { scale });
      // the negative centred sum clamps to a variance of 0: nothing to test, said so
      expect(r.warning).toBe("zero-variance");
      expect(r.pValue).toBe(1);
    }
    // against an arm with real variance it is a valid test (control's variance 0)
    const noisy = { n: 1e8, sum: 3.3e8 + 1e4, sumSquares: 3.3 * 3.3 * 1e8 + 2 * 3.3 * 1e4 + 1e8 };
    const r = compare(control, noisy, { scale: "absolute" });
    expect(r.warning).toBeUndefined();
    expect(r.df).toBeCloseTo(1e8 - 1, 0);
  });

  it("still refuses a sum of squares far below sum²/n, naming the field", () => {
    const bad = { n: 1e8, sum: 3.3e8, sumSquares: 3.3 * 3.3e8 * (1 - 1e-6) };
    expect(() => compare(bad, bad)).toThrow(StatsInputError);
    expect(() => compare(bad, bad)).toThrow(/control\.sumSquares: is smaller than sum²\/n/);
    // on small n the tolerance is the 1e-9 floor, as before
    expect(() => compare({ n: 10, sum: 100, sumSquares: 1000 * (1 - 1e-8) }, bad)).toThrow(
      /control\.sumSquares/,
    );
    expect(() =>
      compare({ n: 10, sum: 100, sumSquares: 1000 * (1 - 1e-10) }, { n: 10, sum: 1, sumSquares: 5 }),
    ).not.toThrow();
  });

  it("sumSquaredDeviations (a centred second moment) keeps a variance that sumSquares cannot carry", () => {
    // sd 0.01 around 1e6 over 1e6 units: Σ(y−ȳ)² = (n−1)·1e-4; sumSquares − sum²/n would be rounding noise
    const n = 1e6;
    const a = { n, sum: 1e6 * n, sumSquaredDeviations: (n - 1) * 1e-4 };
    const b = { n, sum: (1e6 + 2e-5) * n, sumSquaredDeviations: (n - 1) * 1e-4 };
    const r = compare(a, b, { scale: "absolute" });
    expect(r.standardError).toBeCloseTo(Math.sqrt(2e-4 / n), 15);
    expect(Math.abs(r.standardError / Math.sqrt(2e-4 / n) - 1)).toBeLessThan(1e-9);
    expect(() => compare({ n, sum: 1, sumSquaredDeviations: -1 }, b)).toThrow(
      /control\.sumSquaredDeviations/,
    );
  });
  it("evaluate reads a summary's sumSquaredDeviations: sd 0.01 around 1e6 is tested with its real variance", () => {
    // A store's summary of n units with sd 0.01 around 1e6 (sumSquares cannot carry that variance: it is
    // what a double rounds n·1e12 to) and a treatment 0.001 higher: z ≈ 0.001/√(2e-4/n) ≈ 7 at n = 1e4.
    const n = 10_000;
    const arm = (variantId: string, mean: number) => ({
      variantId,
      n,
      sum: mean * n,
      sumSquares: mean * mean * n,
      sumSquaredDeviations: (n - 1) * 1e-4,
    });
    const report = evaluate(
      { control: "a", primary: [{ metric: "m" }], minimumSample: n, scale: "absolute" },
      {
        experiment: "x",
        variants: [
          { variantId: "a", exposedUnits: n, exposures: n },
          { variantId: "b", exposedUnits: n, exposures: n },
        ],
        metrics: [{ metric: "m", kind: "numeric", variants: [arm("a", 1e6), arm("b", 1e6 + 0.001)] }],
      },
    );
    const result = report.treatments[0]!.metrics[0]!;
    expect(Math.abs(result.standardError / Math.sqrt(2e-4 / n) - 1)).toBeLessThan(1e-6);
    expect(result.pValue).toBeLessThan(1e-10);
    expect(report.decision).toBe("ship");
    const bad = arm("a", 1e6);
    expect(() =>
      evaluate(
        { control: "a", primary: [{ metric: "m" }], minimumSample: n },
        {
          experiment: "x",
          variants: [{ variantId: "a", exposedUnits: n, exposures: n }],
          metrics: [{ metric: "m", kind: "numeric", variants: [{ ...bad, sumSquaredDeviations: -1 }] }],
        },
      ),
    ).toThrow(/summary\.metrics\[0\]\.variants\[0\]\.sumSquaredDeviations/);
  });
});
