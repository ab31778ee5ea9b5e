// Chance to win must not depend on which arm is called control: swapping the arms turns c into 1 − c.
import { describe, expect, it } from "vitest";
import { bayes } from "../src/index.js";
import { rng } from "./helpers.js";

describe("bayes: chance to win is symmetric in the arms", () => {
  it("relative and absolute, means and proportions, flat prior: c(A, B) + c(B, A) = 1", () => {
    const r = rng(4242);
    let asymmetricDelta = 0;
    for (let i = 0; i < 500; i++) {
      const n = 20 + Math.floor(r.uniform() * 5000);
      const proportion = i % 2 === 0;
      const arm = (m: number, sd: number) =>
        proportion
          ? { n, sum: Math.max(1, Math.min(n - 1, Math.round(n * m))) }
          : { n, sum: n * m, sumSquares: (n - 1) * sd * sd + n * m * m };
      const mA = proportion ? 0.01 + 0.5 * r.uniform() : 1 + 10 * r.uniform();
      const mB = mA * (1 + (r.uniform() - 0.5));
      const a = arm(mA, mA * 3);
      const b = arm(mB, mB * 3);
      const type = proportion ? "proportion" : "mean";
      for (const scale of ["relative", "absolute"] as const) {
        const ab = bayes(a, b, { type, scale }).chanceToWin;
        const ba = bayes(b, a, { type, scale }).chanceToWin;
        expect(Math.abs(ab + ba - 1), `${JSON.stringify([a, b])} ${scale}`).toBeLessThan(1e-12);
      }
      const d1 = bayes(a, b, { type, relative: "delta" }).chanceToWin;
      const d2 = bayes(b, a, { type, relative: "delta" }).chanceToWin;
      asymmetricDelta = Math.max(asymmetricDelta, Math.abs(d1 + d2 - 1));
    }
    // GrowthBook's delta-method chance to win is the asymmetric one this replaces
    expect(asymmetricDelta).toBeGreaterThan(0.01);
  });

  it("on the relative scale it is P(m_B > m_A), the same as the absolute scale's", () => {
    const a = { n: 5000, sum: 500 };
    const b = { n: 5000, sum: 540 };
    const rel = bayes(a, b, { type: "proportion" });
    const abs = bayes(a, b, { type: "proportion", scale: "absolute" });
    expect(rel.chanceToWin).toBeCloseTo(abs.chanceToWin, 14);
    const prior = { mean: 0, variance: 0.01 };
    expect(bayes(a, b, { type: "proportion", prior }).chanceToWin).toBeCloseTo(
      bayes(a, b, { type: "proportion", scale: "absolute", prior }).chanceToWin,
      14,
    );
  });
});
