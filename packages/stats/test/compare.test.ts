import { InvalidContextError } from "@assay/core";
import { describe, expect, it } from "vitest";
import { type CompareOptions, compare, type SampleStats, StatsInputError } from "../src/index.js";
import { expectRel, rng } from "./helpers.js";

/** Sufficient statistics of explicit values. */
function statsOf(values: readonly number[]): Required<Omit<SampleStats, "sumSquaredDeviations">> {
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    sum += v;
    sumSquares += v * v;
  }
  return { n: values.length, sum, sumSquares };
}

/** Sufficient statistics with a given mean and sample variance. */
function arm(n: number, mean: number, variance: number): Required<Omit<SampleStats, "sumSquaredDeviations">> {
  const sum = n * mean;
  return { n, sum, sumSquares: (n - 1) * variance + (sum * sum) / n };
}

describe("compare: input validation", () => {
  const ok = arm(100, 10, 4);
  const cases: Array<[string, () => unknown, string]> = [
    ["negative n", () => compare({ ...ok, n: -1 }, ok), "control.n"],
    ["fractional n", () => compare(ok, { ...ok, n: 10.5 }), "treatment.n"],
    ["NaN sum", () => compare({ ...ok, sum: Number.NaN }, ok), "control.sum"],
    [
      "infinite sumSquares",
      () => compare(ok, { ...ok, sumSquares: Number.POSITIVE_INFINITY }),
      "treatment.sumSquares",
    ],
    ["sumSquares below sum²/n", () => compare({ n: 10, sum: 100, sumSquares: 10 }, ok), "control.sumSquares"],
    ["mean without sumSquares", () => compare({ n: 10, sum: 3 }, ok), "control.sumSquares"],
    [
      "proportion sum above n",
      () => compare({ n: 10, sum: 11 }, { n: 10, sum: 1 }, { type: "proportion" }),
      "control.sum",
    ],
    ["alpha 0", () => compare(ok, ok, { alpha: 0 }), "options.alpha"],
    ["alpha 1", () => compare(ok, ok, { alpha: 1 }), "options.alpha"],
    ["unknown sides", () => compare(ok, ok, { sides: "both" } as unknown as CompareOptions), "options.sides"],
    [
      "unknown scale",
      () => compare(ok, ok, { scale: "percent" } as unknown as CompareOptions),
      "options.scale",
    ],
    ["tuning 0", () => compare(ok, ok, { sequential: { tuning: 0 } }), "options.sequential.tuning"],
    [
      "alpha 0.5, one-sided sequential",
      () => compare(ok, ok, { alpha: 0.5, sides: "less", sequential: {} }),
      "options.alpha",
    ],
    ["not an object", () => compare(null as unknown as SampleStats, ok), "control"],
    ["n 0 with a sum", () => compare({ n: 0, sum: 3, sumSquares: 9 }, ok), "control.sum"],
  ];
  for (const [name, call, field] of cases) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StatsInputError);
      expect(caught).toBeInstanceOf(InvalidContextError);
      const e = caught as StatsInputError;
      expect(e.name).toBe("StatsInputError");
      expect(e.code).toBe("INVALID_CONTEXT");
      expect(e.field).toBe(field);
      expect(e.message.startsWith(`${field}: `)).toBe(true);
    });
  }
});

describe("compare: degenerate data gives neutral results with a warning", () => {
  it("fewer than 2 units in an arm", () => {
    const r = compare(arm(1, 5, 0), arm(50, 5, 1));
    expect(r.warning).toBe("too-few-units");
    expect([r.estimate, r.pValue, ...r.ci]).toEqual([0, 1, 0, 0]);
  });
  it("no variance at all (no conversions anywhere)", () => {
    const r = compare({ n: 500, sum: 0 }, { n: 500, sum: 0 }, { type: "proportion", scale: "absolute" });
    expect(r.warning).toBe("zero-variance");
    expect(r.pValue).toBe(1);
  });
  it("relative effect on a control mean of 0", () => {
    const r = compare({ n: 500, sum: 0 }, { n: 500, sum: 5 }, { type: "proportion" });
    expect(r.warning).toBe("zero-control-mean");
    // the absolute effect is still estimable
    const abs = compare({ n: 500, sum: 0 }, { n: 500, sum: 5 }, { type: "proportion", scale: "absolute" });
    expect(abs.warning).toBeUndefined();
    expect(abs.estimate).toBeCloseTo(0.01, 15);
    // Welch with one zero-variance arm: df = n_B - 1
    expect(abs.df).toBeCloseTo(499, 9);
  });
});

describe("compare: behaviour", () => {
  it("relative lift keeps the sign of the difference for negative metrics (divides by |control mean|)", () => {
    const r = compare(arm(1000, -10, 4), arm(1000, -9, 4));
    expect(r.estimate).toBeCloseTo(0.1, 12);
    expect(r.statistic).toBeGreaterThan(0);
  });

  it("two-sided p is twice the one-sided tail, and the one-sided tails add to 1", () => {
    const a = arm(400, 10, 9);
    const b = arm(380, 10.4, 10);
    const two = compare(a, b).pValue;
    const greater = compare(a, b, { sides: "greater" }).pValue;
    const less = compare(a, b, { sides: "less" }).pValue;
    expectRel(two, 2 * greater, 1e-14);
    expectRel(greater + less, 1, 1e-14);
  });

  it("one-sided intervals are open on one side", () => {
    const a = arm(400, 10, 9);
    const b = arm(380, 10.4, 10);
    expect(compare(a, b, { sides: "greater" }).ci[1]).toBe(Number.POSITIVE_INFINITY);
    expect(compare(a, b, { sides: "less" }).ci[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(compare(a, b, { sides: "less", sequential: {} }).ci[0]).toBe(Number.NEGATIVE_INFINITY);
  });

  it("p < alpha exactly when the interval excludes the null, for every method", () => {
    const r = rng(7);
    let rejections = 0;
    for (let i = 0; i < 400; i++) {
      const n = 20 + Math.floor(r.uniform() * 5000);
      const a = arm(n, 10, 4 + r.uniform());
      const b = arm(n + Math.floor(r.uniform() * 100), 10 + (r.uniform() - 0.5) * 0.8, 4 + r.uniform());
      for (const sides of ["two", "greater", "less"] as const) {
        for (const sequential of [undefined, { tuning: 2000 }]) {
          const alpha = [0.05, 0.01, 0.2][i % 3] ?? 0.05;
          const nullEffect = i % 2 === 0 ? 0 : 0.01;
          const res = compare(a, b, { sides, alpha, nullEffect, ...(sequential ? { sequential } : {}) });
          const excludes = res.ci[0] > nullEffect || res.ci[1] < nullEffect;
          // skip knife-edge cases where rounding could decide
          if (Math.abs(res.pValue - alpha) < 1e-9) continue;
          expect(excludes, `${sides} ${JSON.stringify(sequential)} p=${res.pValue}`).toBe(res.pValue < alpha);
          if (excludes) rejections++;
        }
      }
    }
    expect(rejections).toBeGreaterThan(100); // the property was exercised on both outcomes
  });

  it("a null effect moves the test, not the estimate", () => {
    const a = arm(2000, 10, 4);
    const b = arm(2000, 10.3, 4);
    const base = compare(a, b, { scale: "absolute" });
    const shifted = compare(a, b, { scale: "absolute", nullEffect: 0.3 });
    expect(shifted.estimate).toBe(base.estimate);
    expect(shifted.ci).toEqual(base.ci);
    expect(shifted.statistic).toBeCloseTo(0, 9);
    expect(shifted.pValue).toBeCloseTo(1, 9);
  });

  it("keeps p-values accurate far in the tail instead of rounding them to 0", () => {
    // z ≈ 26 → p ≈ 1e-150 (cf. the SciPy fixture for exact references)
    const a = arm(1_000_000, 100, 100);
    const b = arm(1_000_000, 100.37, 100);
    const r = compare(a, b, { scale: "absolute" });
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(1e-100);
    const greater = compare(a, b, { scale: "absolute", sides: "greater" }).pValue;
    expectRel(r.pValue, 2 * greater, 1e-13);
    // and the sequential p-value too
    const seq = compare(a, b, { scale: "absolute", sequential: {} }).pValue;
    expect(seq).toBeGreaterThan(0);
    expect(seq).toBeLessThan(1e-50);
  });

  it("the sequential interval is wider than the fixed one", () => {
    const a = arm(3000, 10, 25);
    const b = arm(3000, 10.4, 25);
    const fixed = compare(a, b);
    const seq = compare(a, b, { sequential: {} });
    expect(seq.ci[1] - seq.ci[0]).toBeGreaterThan(1.4 * (fixed.ci[1] - fixed.ci[0]));
    expect(seq.pValue).toBeGreaterThan(fixed.pValue);
    expect(seq.df).toBe(fixed.df);
  });
});

describe("compare: CUPED", () => {
  /** Units with a pre-period value X and a metric Y correlated with it. */
  function simulate(seed: number, n: number, lift: number) {
    const r = rng(seed);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = 20 + 5 * r.normal();
      xs.push(x);
      ys.push(5 + 0.8 * x + 2 * r.normal() + lift);
    }
    const covariate = { sum: 0, sumSquares: 0, sumProducts: 0 };
    xs.forEach((x, i) => {
      covariate.sum += x;
      covariate.sumSquares += x * x;
      covariate.sumProducts += x * (ys[i] ?? 0);
    });
    return { xs, ys, y: statsOf(ys), covariate };
  }

  it("equals a t-test on unit-level adjusted values y - θx with θ from the pooled regression", () => {
    const a = simulate(1, 3000, 0);
    const b = simulate(2, 3200, 0.3);
    const cuped = compare(a.y, b.y, {
      scale: "absolute",
      cuped: { control: a.covariate, treatment: b.covariate },
    });
    // θ by ordinary least squares on the pooled unit data, computed from the raw values
    const xs = [...a.xs, ...b.xs];
    const ys = [...a.ys, ...b.ys];
    const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
    const my = ys.reduce((s, v) => s + v, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * ((ys[i] ?? 0) - my);
      sxx += (x - mx) ** 2;
    });
    const theta = sxy / sxx;
    expectRel(cuped.theta ?? 0, theta, 1e-9);
    const adjA = statsOf(a.ys.map((y, i) => y - theta * (a.xs[i] ?? 0)));
    const adjB = statsOf(b.ys.map((y, i) => y - theta * (b.xs[i] ?? 0)));
    const direct = compare(adjA, adjB, { scale: "absolute" });
    expectRel(cuped.estimate, direct.estimate, 1e-9);
    expectRel(cuped.standardError, direct.standardError, 1e-8);
    expectRel(cuped.df, direct.df, 1e-8);
  });

  it("shrinks the standard error when the covariate predicts the metric", () => {
    const a = simulate(3, 2000, 0);
    const b = simulate(4, 2000, 0.2);
    const plain = compare(a.y, b.y);
    const cuped = compare(a.y, b.y, { cuped: { control: a.covariate, treatment: b.covariate } });
    expect(cuped.standardError).toBeLessThan(0.6 * plain.standardError);
  });

  it("falls back to the unadjusted test when the covariate has no variance", () => {
    const a = simulate(5, 500, 0);
    const b = simulate(6, 500, 0.2);
    const flat = (n: number, y: SampleStats) => ({ sum: 3 * n, sumSquares: 9 * n, sumProducts: 3 * y.sum });
    const r = compare(a.y, b.y, { cuped: { control: flat(500, a.y), treatment: flat(500, b.y) } });
    const plain = compare(a.y, b.y);
    expect(r.estimate).toBe(plain.estimate);
    expect(r.standardError).toBe(plain.standardError);
  });

  it("validates covariate statistics", () => {
    const a = simulate(5, 50, 0);
    expect(() =>
      compare(a.y, a.y, {
        cuped: { control: { sum: 1, sumSquares: Number.NaN, sumProducts: 0 }, treatment: a.covariate },
      }),
    ).toThrow(/cuped\.control\.sumSquares/);
  });
});
