// The numerical boundary-crossing integration against published group-sequential constants: Pocock's
// and O'Brien–Fleming's two-sided α = 0.05 boundaries for K equally spaced looks (Jennison & Turnbull,
// "Group Sequential Methods", tables 2.1 and 2.3) have a crossing probability of exactly 0.05 under the
// null; the constants are given to 3 decimals, which moves α by < 2e-4 (asserted: within 2e-4).
import { describe, expect, it } from "vitest";
import { normalCdf } from "../src/index.js";
import { crossingProbability } from "../src/power/boundary-crossing.js";

describe("crossingProbability", () => {
  it("Pocock boundaries (constant z) give 5% under the null", () => {
    const pocock: Array<[number, number]> = [
      [2, 2.178],
      [3, 2.289],
      [5, 2.413],
      [10, 2.555],
    ];
    for (const [looks, c] of pocock) {
      const p = crossingProbability(0, looks, () => c, true);
      expect(Math.abs(p - 0.05), `K = ${looks}: ${p}`).toBeLessThan(2e-4);
    }
  });

  it("O'Brien–Fleming boundaries (z = c·√(K/k)) give 5% under the null", () => {
    const obf: Array<[number, number]> = [
      [2, 1.977],
      [4, 2.024],
      [5, 2.04],
      [10, 2.087],
    ];
    for (const [looks, c] of obf) {
      const p = crossingProbability(0, looks, (k) => c * Math.sqrt(looks / k), true);
      expect(Math.abs(p - 0.05), `K = ${looks}: ${p}`).toBeLessThan(2e-4);
    }
  });

  it("one look is the closed form; a one-sided test counts one side only", () => {
    expect(crossingProbability(1.3, 1, () => 1.96, true)).toBeCloseTo(
      normalCdf(1.3 - 1.96) + normalCdf(-1.3 - 1.96),
      14,
    );
    expect(crossingProbability(1.3, 1, () => 1.645, false)).toBeCloseTo(normalCdf(1.3 - 1.645), 14);
    // with a drift, the two-sided chance is the one-sided one plus the (small) wrong-side chance
    const two = crossingProbability(2.5, 10, () => 2.555, true);
    const one = crossingProbability(2.5, 10, () => 2.555, false);
    expect(two).toBeGreaterThan(one);
    expect(two - one).toBeLessThan(1e-3);
  });
});
