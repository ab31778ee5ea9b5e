import { describe, expect, it } from "vitest";
import {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  tCdf,
  tSurvival,
  tUpperQuantile,
} from "../src/index.js";
import { expectRel } from "./helpers.js";

describe("distribution wrappers", () => {
  it("normal quantile round-trips down to p = 1e-300 (stdlib's own quantile gives -Infinity there)", () => {
    for (const p of [0.3, 0.025, 1e-10, 1e-20, 1e-100, 1e-300]) {
      const q = normalQuantile(p);
      expect(Number.isFinite(q)).toBe(true);
      // a 1-ulp change of q at p = 1e-300 moves p by |q|·ulp(q) ≈ 2.6e-13 relative
      expectRel(normalCdf(q), p, 1e-9, `p ${p}`);
      expectRel(normalSurvival(-q), p, 1e-9);
    }
    expect(normalQuantile(0.5)).toBe(0);
    expectRel(normalQuantile(0.975), 1.959963984540054, 1e-15);
  });

  it("t upper quantile round-trips for Welch-sized df and tiny alphas", () => {
    for (const df of [3.5, 55.7, 5841.7, 1e7, 2e8]) {
      for (const p of [0.4, 0.025, 1e-6, 1e-50, 1e-200]) {
        const q = tUpperQuantile(p, df);
        expectRel(tSurvival(q, df), p, 1e-9, `df ${df} p ${p}`);
      }
    }
  });

  it("t tails are symmetric and the CDF tends to the normal", () => {
    expect(tCdf(-2, 10) + tSurvival(-2, 10)).toBeCloseTo(1, 15);
    expectRel(tCdf(-3, 1e12), normalCdf(-3), 1e-9);
    expect(tCdf(-3, Number.POSITIVE_INFINITY)).toBe(normalCdf(-3));
  });

  it("chi-square upper tail is direct, not 1 - cdf", () => {
    // 1 df: P(X > x) = 2Φ(-√x); at x = 1000 that is ~1e-219
    for (const x of [0.5, 3.84, 100, 1000])
      expectRel(chiSquareSurvival(x, 1), 2 * normalCdf(-Math.sqrt(x)), 1e-11);
    // 2 df: P(X > x) = exp(-x/2)
    for (const x of [1, 50, 1400]) expectRel(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-12);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});
