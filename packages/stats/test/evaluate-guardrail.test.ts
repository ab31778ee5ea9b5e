import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { guardrailTest } from "../src/evaluate/guardrail.js";
import { fiellerInterval, meansContrast } from "../src/frequentist/fieller.js";
import { compare, evaluate, sequentialMultiplier } from "../src/index.js";
import { armMoments } from "../src/moments/arm.js";
import { expectRel } from "./helpers.js";

/** Fieller's two-sided set for the lift of independent means mA, mB (variances of the means uA, uB) at c. */
const fiellerLift = (mA: number, mB: number, uA: number, uB: number, c: number) =>
  fiellerInterval(meansContrast(mA, mB, uA, uB), c, "two").ci;

interface FiellerCase {
  mA: number;
  mB: number;
  uA: number;
  uB: number;
  c: number;
  ci: [number, number];
}
const fixture = JSON.parse(
  readFileSync(new URL("fixtures/evaluate-fieller.json", import.meta.url), "utf8"),
) as { cases: FiellerCase[] };

describe("guardrail test", () => {
  it("Fieller's interval matches root-finding by scipy (200 cases, to 1e-9)", () => {
    expect(fixture.cases.length).toBe(200);
    for (const [i, k] of fixture.cases.entries()) {
      const [lo, hi] = fiellerLift(k.mA, k.mB, k.uA, k.uB, k.c);
      expectRel(lo, k.ci[0], 1e-9, `case ${i} low`);
      expectRel(hi, k.ci[1], 1e-9, `case ${i} high`);
    }
  });

  it("Fieller's interval is unbounded when the control mean is not distinguishable from 0", () => {
    expect(fiellerLift(0.01, 0.02, 0.0001, 0.0001, 2)).toEqual([
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it("on the absolute scale its breach p is compare's one-sided sequential p against the margin", () => {
    const control = { n: 5000, sum: 5000 * 300, sumSquares: 4999 * 2500 + 5000 * 300 * 300 };
    for (const t of [300, 302, 304, 306]) {
      const treatment = { n: 5000, sum: 5000 * t, sumSquares: 4999 * 2500 + 5000 * t * t };
      const a = armMoments(control, "mean", "control");
      const b = armMoments(treatment, "mean", "treatment");
      const g = guardrailTest(a, b, {
        scale: "absolute",
        direction: "decrease",
        margin: 1,
        alpha: 0.05,
        tuning: 10_000,
      });
      const r = compare(control, treatment, {
        scale: "absolute",
        sides: "greater",
        nullEffect: 1,
        alpha: 0.05,
        sequential: { tuning: 10_000 },
      });
      expectRel(g?.breachPValue ?? 0, r.pValue, 1e-12, `t=${t}`);
      expectRel(g?.ci[0] ?? 0, r.ci[0], 1e-12, `t=${t} bound`);
    }
  });

  it("the relative margin's test and its Fieller bound agree at every margin", () => {
    const a = { n: 4000, mean: 0.1, variance: 0.09 };
    const b = { n: 4000, mean: 0.104, variance: 0.104 * 0.896 };
    const c = sequentialMultiplier(8000, 0.05, 8000, true);
    for (const margin of [0, 0.02, 0.05, 0.1, 0.15, 0.2]) {
      const g = guardrailTest(a, b, {
        scale: "relative",
        direction: "increase",
        margin,
        alpha: 0.05,
        tuning: 8000,
      });
      const [lo, hi] = fiellerLift(a.mean, b.mean, a.variance / a.n, b.variance / b.n, c);
      expect(g?.ci).toEqual([lo, hi]);
      // higher is better: shown within the margin exactly when the lower bound is above -margin
      expect((g?.nonInferiorityPValue ?? 1) < 0.05, `margin ${margin}`).toBe(lo > -margin);
      expect((g?.breachPValue ?? 1) < 0.05, `margin ${margin}`).toBe(hi < -margin);
    }
  });
});

describe("evaluate's relative results agree with compare's (both through fiellerInterval)", () => {
  it("primary CIs and p-values, fixed and sequential", () => {
    const N = 3000;
    for (const [c, t] of [
      [300, 360],
      [300, 250],
      [30, 45],
      [5, 20],
    ] as const) {
      for (const sequential of [undefined, { tuning: 6000 }]) {
        const report = evaluate(
          {
            control: "control",
            primary: [{ metric: "m" }],
            minimumSample: 100,
            ...(sequential ? { sequential } : {}),
          },
          {
            experiment: "x",
            variants: [
              { variantId: "control", exposedUnits: N, exposures: N },
              { variantId: "treatment", exposedUnits: N, exposures: N },
            ],
            metrics: [
              {
                metric: "m",
                kind: "bool",
                variants: [
                  { variantId: "control", n: N, sum: c, sumSquares: c },
                  { variantId: "treatment", n: N, sum: t, sumSquares: t },
                ],
              },
            ],
          },
        );
        const m = report.treatments[0]?.metrics[0];
        const direct = compare(
          { n: N, sum: c },
          { n: N, sum: t },
          { type: "proportion", ...(sequential ? { sequential } : {}) },
        );
        expectRel(m?.pValue ?? 0, direct.pValue, 1e-12, `${c}/${t} p`);
        expectRel(m?.ci[0] ?? 0, direct.ci[0], 1e-9, `${c}/${t} low`);
        expectRel(m?.ci[1] ?? 0, direct.ci[1], 1e-9, `${c}/${t} high`);
      }
    }
  });
});

describe("the guardrail's relative margin test agrees with compare's Fieller test of the same null", () => {
  it("non-inferiority p and the harmful bound, for margins 2% to 20%", () => {
    const a = { n: 4000, mean: 0.1, variance: 0.09 };
    const b = { n: 4000, mean: 0.104, variance: 0.104 * 0.896 };
    for (const margin of [0.02, 0.05, 0.1, 0.2]) {
      const g = guardrailTest(a, b, {
        scale: "relative",
        direction: "increase",
        margin,
        alpha: 0.05,
        tuning: 8000,
      });
      const r = compare(
        { n: 4000, sum: 400 },
        { n: 4000, sum: 416 },
        {
          type: "proportion",
          sides: "greater",
          nullEffect: -margin,
          alpha: 0.05,
          sequential: { tuning: 8000 },
        },
      );
      expectRel(g?.nonInferiorityPValue ?? 0, r.pValue, 1e-12, `margin ${margin} p`);
      expectRel(g?.ci[0] ?? 0, r.ci[0], 1e-12, `margin ${margin} bound`);
    }
  });
});
