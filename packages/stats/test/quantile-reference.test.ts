import { quantileSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { compareQuantiles, quantileStandardError } from "../src/index.js";
import reference from "./fixtures/quantile-reference.json" with { type: "json" };
import { expectRel } from "./helpers.js";

/**
 * Against an independent pure-Python reference (fixtures/generate_quantile.py: exact rational binomial ranks,
 * its own Fieller roots): the store-side quantileSummary of the raw per-unit values and compareQuantiles.
 */
describe("quantiles against the pure-Python reference", () => {
  for (const c of reference) {
    it(c.name, () => {
      const valued = [
        ...c.control.values.map((value) => ({ variantId: "control", value })),
        ...c.treatment.values.map((value) => ({ variantId: "treatment", value })),
      ];
      const exposed = new Map([
        ["control", c.control.values.length + c.control.zeros],
        ["treatment", c.treatment.values.length + c.treatment.zeros],
      ]);
      const s = quantileSummary({ metric: "m", probability: c.probability }, valued, exposed);
      const [a, b] = s.variants;
      for (const [arm, expected] of [
        [a!, c.expected.control],
        [b!, c.expected.treatment],
      ] as const) {
        const { standardError, coverage, ...exact } = expected;
        expect(arm).toMatchObject(exact);
        expectRel(arm.coverage, coverage, 1e-9, "coverage");
        expectRel(quantileStandardError(arm, c.probability), standardError, 1e-12, "arm SE");
      }
      const r = compareQuantiles(a!, b!, { probability: c.probability });
      const e = c.expected;
      expectRel(r.estimate, e.estimate, 1e-12, "difference");
      expectRel(r.standardError, e.standardError, 1e-12, "SE");
      expectRel(r.ci[0], e.ci[0]!, 1e-9, "ci lower");
      expectRel(r.ci[1], e.ci[1]!, 1e-9, "ci upper");
      expectRel(r.pValue, e.pValue, 1e-8, "p");
      expectRel(r.relative.estimate, e.relativeEstimate, 1e-12, "relative");
      expectRel(r.relative.ci[0], e.relativeCi[0]!, 1e-9, "relative lower");
      expectRel(r.relative.ci[1], e.relativeCi[1]!, 1e-9, "relative upper");
    });
  }
});

describe("compareQuantiles input", () => {
  const arm = { n: 100, estimate: 5, lower: 4, lowerRank: 80, upper: 6, upperRank: 95 };
  it("warns instead of testing with too few units or no spread", () => {
    expect(
      compareQuantiles({ ...arm, n: 29, lowerRank: 20, upperRank: 28 }, arm, { probability: 0.9 }).warning,
    ).toBe("too-few-units");
    const flat = { ...arm, lower: 5, upper: 5 };
    expect(compareQuantiles(flat, flat, { probability: 0.9 }).warning).toBe("zero-variance");
  });
  it("names the field of impossible input", () => {
    expect(() => compareQuantiles({ ...arm, upperRank: 101 }, arm, { probability: 0.9 })).toThrow(
      /control\.lowerRank: must satisfy 1 ≤ lowerRank ≤ upperRank ≤ n/,
    );
    expect(() => compareQuantiles(arm, { ...arm, lower: 7 }, { probability: 0.9 })).toThrow(
      /treatment\.lower/,
    );
    expect(() => compareQuantiles(arm, arm, { probability: 1 })).toThrow(/options\.probability/);
  });
});
