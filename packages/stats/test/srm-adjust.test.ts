import { describe, expect, it } from "vitest";
import { adjust, type Correction, normalCdf, StatsInputError, srm } from "../src/index.js";
import { expectRel, rng } from "./helpers.js";

describe("srm", () => {
  it("flags p < 0.001 only when every checked arm is expected to get 8 units", () => {
    expect(srm([1000, 1200]).mismatch).toBe(true);
    expect(srm([1000, 1060]).mismatch).toBe(false);
    // 15 units, all in one arm: p = 1e-4 but 7.5 expected per arm
    const small = srm([0, 15]);
    expect(small.pValue).toBeLessThan(0.001);
    expect(small.mismatch).toBe(false);
    const enough = srm([0, 16]);
    expect(enough.pValue).toBeLessThan(0.001);
    expect(enough.mismatch).toBe(true);
  });

  it("tests against the configured weights, skipping zero-weight arms", () => {
    expect(srm([900, 100], [9, 1]).pValue).toBe(1);
    expect(srm([900, 100], [9, 1]).mismatch).toBe(false);
    expect(srm([900, 100, 50], [9, 1, 0]).pValue).toBe(1);
    expect(srm([900, 100, 50], [9, 1, 0]).expected).toEqual([900, 100, 0]);
    expect(srm([500, 500], [9, 1]).mismatch).toBe(true);
  });

  it("computes the upper tail directly: 1 degree of freedom equals the two-sided normal tail", () => {
    for (const [a, b] of [
      [5000, 5100],
      [1_000_000, 1_010_000],
      [1_000_000, 1_040_000],
      [1_000_000, 1_050_000],
    ] as const) {
      const r = srm([a, b]);
      const z = Math.sqrt(r.chiSquare);
      const p = 2 * normalCdf(-z);
      expect(r.pValue).toBeGreaterThan(0);
      expectRel(r.pValue, p, 1e-11, `${a}/${b}`);
    }
  });

  it("honours a custom threshold and minimum", () => {
    expect(srm([1000, 1100], undefined, { threshold: 0.05 }).mismatch).toBe(true);
    expect(srm([0, 16], undefined, { minUnitsPerArm: 100 }).mismatch).toBe(false);
  });

  it("validates its input", () => {
    expect(() => srm([10, -1])).toThrow(StatsInputError);
    expect(() => srm([10, 1.5])).toThrow(/counts\[1\]/);
    expect(() => srm([10, 10], [1, -1])).toThrow(/weights\[1\]/);
    expect(() => srm([10, 10], [1, 1], { threshold: 0 })).toThrow(/options\.threshold/);
    expect(() => srm("10,10" as unknown as number[])).toThrow(/counts/);
  });
});

describe("adjust", () => {
  it("handles empty and single families", () => {
    for (const m of ["none", "bonferroni", "holm", "bh"] as const) {
      expect(adjust([], m)).toEqual([]);
      expect(adjust([0.03], m)).toEqual([0.03]);
    }
  });

  it("orders the corrections: raw ≤ BH ≤ Holm ≤ Bonferroni, all ≤ 1", () => {
    const r = rng(11);
    for (let k = 0; k < 200; k++) {
      const m = 1 + Math.floor(r.uniform() * 20);
      const ps = Array.from({ length: m }, () => r.uniform() ** 3);
      const bh = adjust(ps, "bh");
      const holm = adjust(ps, "holm");
      const bonf = adjust(ps, "bonferroni");
      ps.forEach((p, i) => {
        expect(p).toBeLessThanOrEqual(bh[i] ?? 0);
        expect(bh[i]).toBeLessThanOrEqual((holm[i] ?? 0) + 1e-15);
        expect(holm[i]).toBeLessThanOrEqual((bonf[i] ?? 0) + 1e-15);
        expect(bonf[i]).toBeLessThanOrEqual(1);
      });
      // adjustment preserves the order of the raw p-values
      const order = ps.map((_, i) => i).sort((x, y) => (ps[x] ?? 0) - (ps[y] ?? 0));
      for (const adj of [bh, holm]) {
        for (let i = 1; i < order.length; i++) {
          expect(adj[order[i] ?? 0]).toBeGreaterThanOrEqual(adj[order[i - 1] ?? 0] ?? 0);
        }
      }
    }
  });

  it("keeps tiny p-values tiny", () => {
    expect(adjust([1e-200, 0.5], "holm")[0]).toBe(2e-200);
    expect(adjust([1e-200, 0.5], "bh")[0]).toBe(2e-200);
  });

  it("validates its input", () => {
    expect(() => adjust([0.1, 1.2], "holm")).toThrow(/pValues\[1\]/);
    expect(() => adjust([Number.NaN], "bh")).toThrow(StatsInputError);
    expect(() => adjust([0.1], "hochberg" as Correction)).toThrow(/method/);
  });
});
