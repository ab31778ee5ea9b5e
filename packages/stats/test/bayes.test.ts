import { describe, expect, it } from "vitest";
import {
  type BayesOptions,
  bayes,
  compare,
  expectedPositivePart,
  risk,
  StatsInputError,
} from "../src/index.js";
import { expectRel } from "./helpers.js";

const a = { n: 5000, sum: 500 };
const b = { n: 5000, sum: 540 };

describe("bayes", () => {
  it("with a flat prior, the posterior is the likelihood: same estimate and SE as compare", () => {
    const r = bayes(a, b, { type: "proportion" });
    const f = compare(a, b, { type: "proportion" });
    expect(r.estimate).toBe(f.estimate);
    expect(r.standardError).toBe(f.standardError);
    // chance to win = Φ(Δ/SE), which is 1 - the one-sided normal p-value
    // (up to the t-vs-normal difference at df ≈ 9,000)
    expectRel(1 - r.chanceToWin, compare(a, b, { type: "proportion", sides: "greater" }).pValue, 1e-3);
  });

  it("a proper prior shrinks towards its mean, less as it widens", () => {
    const flat = bayes(a, b, { type: "proportion" });
    const tight = bayes(a, b, { type: "proportion", prior: { mean: 0, variance: 0.0001 } });
    const wide = bayes(a, b, { type: "proportion", prior: { mean: 0, variance: 100 } });
    expect(tight.estimate).toBeLessThan(flat.estimate);
    expect(tight.estimate).toBeGreaterThan(0);
    expect(tight.standardError).toBeLessThan(flat.standardError);
    expectRel(wide.estimate, flat.estimate, 1e-3);
  });

  it("states the prior on the relative lift, rescaled for absolute effects", () => {
    const prior = { mean: 0.05, variance: 0.01 };
    const rel = bayes(a, b, { type: "proportion", prior });
    const abs = bayes(a, b, { type: "proportion", scale: "absolute", prior });
    // control mean 0.1: for the absolute effect the prior becomes N(0.05·0.1, 0.01·0.1²)
    const f = compare(a, b, { type: "proportion", scale: "absolute" });
    const pm = 0.05 * 0.1;
    const pv = 0.01 * 0.01;
    const precision = 1 / f.standardError ** 2 + 1 / pv;
    expectRel(abs.estimate, (f.estimate / f.standardError ** 2 + pm / pv) / precision, 1e-12);
    expectRel(abs.standardError, Math.sqrt(1 / precision), 1e-12);
    // and it is not the relative prior applied unchanged
    expect(Math.abs(abs.estimate - rel.estimate * 0.1)).toBeGreaterThan(1e-6);
  });

  it("risk: E[max(Δ,0)] - E[max(-Δ,0)] = E[Δ], finite and non-negative far into the tails", () => {
    for (const [mu, sigma] of [
      [0.1, 0.05],
      [-3, 1],
      [40, 1],
      [-40, 1],
      [1e-3, 1e-6],
      [-1e6, 1],
      [0, 2],
    ] as const) {
      const [control, treatment] = risk(mu, sigma);
      expect(control).toBeGreaterThanOrEqual(0);
      expect(treatment).toBeGreaterThanOrEqual(0);
      expectRel(control - treatment, mu, 1e-12, `mu ${mu} sigma ${sigma}`);
    }
    // at mu = 0 both are σ·φ(0)
    expectRel(expectedPositivePart(0, 2), 2 / Math.sqrt(2 * Math.PI), 1e-15);
    // 10 standard deviations below 0: σ(φ(10) - 10·Q(10)) ≈ 7.4734e-25 (series φ(x)/x²·(1 - 3/x² + 15/x⁴ ...))
    const x = 10;
    const phi = Math.exp(-50) / Math.sqrt(2 * Math.PI);
    const series =
      (phi / x ** 2) * (1 - 3 / x ** 2 + 15 / x ** 4 - 105 / x ** 6 + 945 / x ** 8 - 10395 / x ** 10);
    expectRel(expectedPositivePart(-10, 1), series, 2e-3);
  });

  it("neutral result when the effect cannot be estimated", () => {
    const r = bayes({ n: 100, sum: 0 }, { n: 100, sum: 0 }, { type: "proportion", scale: "absolute" });
    expect(r.warning).toBe("zero-variance");
    expect(r.chanceToWin).toBe(0.5);
    expect(r.risk).toEqual([0, 0]);
  });

  it("validates the prior and alpha", () => {
    const bad: Array<[BayesOptions, string]> = [
      [{ type: "proportion", prior: { mean: 0, variance: 0 } }, "options.prior.variance"],
      [{ type: "proportion", prior: { mean: Number.NaN, variance: 1 } }, "options.prior.mean"],
      [{ type: "proportion", alpha: 2 }, "options.alpha"],
    ];
    for (const [options, field] of bad) {
      expect(() => bayes(a, b, options)).toThrow(StatsInputError);
      try {
        bayes(a, b, options);
      } catch (e) {
        expect((e as StatsInputError).field).toBe(field);
      }
    }
  });
});
