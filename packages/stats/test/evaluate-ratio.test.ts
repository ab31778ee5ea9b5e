import { readFileSync } from "node:fs";
import type { ExperimentSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { compareRatio, evaluate, type RatioStats, resolvePlan, StatsInputError } from "../src/index.js";
import { expectRel } from "./helpers.js";

const { cases } = JSON.parse(
  readFileSync(new URL("fixtures/ratio-reference.json", import.meta.url), "utf8"),
) as { cases: Array<{ control: RatioStats; treatment: RatioStats }> };

/** The store summary whose revenue, orders and their cross-products are the given ratio statistics. */
function summaryOf(control: RatioStats, treatment: RatioStats, withProducts = true): ExperimentSummary {
  const arms = [
    ["control", control],
    ["treatment", treatment],
  ] as const;
  return {
    experiment: "x",
    variants: arms.map(([variantId, s]) => ({ variantId, exposedUnits: s.n, exposures: s.n })),
    metrics: [
      {
        metric: "orders",
        kind: "count",
        variants: arms.map(([variantId, s]) => ({
          variantId,
          n: s.n,
          sum: s.sumDenominator,
          sumSquares: s.sumDenominatorSquares,
        })),
      },
      {
        metric: "revenue",
        kind: "numeric",
        variants: arms.map(([variantId, s]) => ({
          variantId,
          n: s.n,
          sum: s.sumNumerator,
          sumSquares: s.sumNumeratorSquares,
        })),
      },
    ],
    unitsInSeveralVariants: 0,
    unattributedOutcomes: 0,
    ...(withProducts
      ? {
          ratios: [
            {
              numerator: "revenue",
              denominator: "orders",
              variants: arms.map(([variantId, s]) => ({ variantId, sumProducts: s.sumProducts })),
            },
          ],
        }
      : {}),
  };
}

const ratio = { numerator: "revenue", denominator: "orders" };

describe("evaluate: ratio metrics", () => {
  it("tests a plan's ratio metric as compareRatio does, on both scales", () => {
    for (const c of cases) {
      for (const scale of ["absolute", "relative"] as const) {
        const report = evaluate(
          { control: "control", primary: [{ metric: "revenue_per_order", ratio, scale }], minimumSample: 10 },
          summaryOf(c.control, c.treatment),
        );
        const result = report.treatments[0]!.metrics[0]!;
        const expected = compareRatio(c.control, c.treatment, { scale });
        expect(result.metric).toBe("revenue_per_order");
        expectRel(result.controlMean, expected.controlMean, 1e-12, "control ratio");
        expectRel(result.estimate, expected.estimate, 1e-12, `${scale} estimate`);
        expectRel(result.pValue, expected.pValue, 1e-9, `${scale} p`);
        expectRel(result.ci[0], expected.ci[0], 1e-9, `${scale} ci low`);
        expectRel(result.ci[1], expected.ci[1], 1e-9, `${scale} ci high`);
      }
    }
  });

  it("is insufficient data, not no effect, without the cross-products or a denominator", () => {
    const c = cases[0]!;
    const plan = { control: "control", primary: [{ metric: "rpo", ratio }], minimumSample: 10 };
    const missing = evaluate(plan, summaryOf(c.control, c.treatment, false));
    expect(missing.treatments[0]!.metrics[0]).toMatchObject({
      verdict: "insufficient-data",
      warning: "metric-not-recorded",
    });
    expect(missing.decision).toBe("continue");
    const noOrders = evaluate(plan, summaryOf({ ...c.control, sumDenominator: 0 }, c.treatment));
    expect(noOrders.treatments[0]!.metrics[0]!.verdict).toBe("insufficient-data");
  });

  it("checks the plan's ratio and the summary's cross-products, naming the field", () => {
    expect(() =>
      resolvePlan({ control: "a", primary: [{ metric: "r", ratio: { numerator: "x", denominator: "" } }] }),
    ).toThrow(/plan\.primary\[0\]\.ratio\.denominator/);
    expect(() =>
      resolvePlan({
        control: "a",
        primary: [{ metric: "r", ratio: { numerator: "x", denominator: "y" }, type: "mean" }],
      }),
    ).toThrow(StatsInputError);
    const c = cases[0]!;
    const bad = summaryOf(c.control, c.treatment);
    const broken = {
      ...bad,
      ratios: [{ ...bad.ratios![0]!, variants: [{ variantId: "control", sumProducts: Number.NaN }] }],
    };
    expect(() =>
      evaluate({ control: "control", primary: [{ metric: "rpo", ratio }], minimumSample: 10 }, broken),
    ).toThrow(/summary\.ratios\[0\]\.variants\[0\]\.sumProducts/);
  });
});
