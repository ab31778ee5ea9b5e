import { describe, expect, it } from "vitest";
import { cappedSummary } from "../src/index.js";

const units = (variantId: string, values: number[]) => values.map((value) => ({ variantId, value }));

describe("cappedSummary", () => {
  it("caps at the nearest-rank percentile of every exposed unit pooled, the units without a value as zeros", () => {
    // 10 units: 6 with values 1..6 (3 per variant), 4 without (zeros): sorted 0 0 0 0 1 2 3 4 5 6
    const valued = [...units("a", [1, 2, 3]), ...units("b", [4, 5, 6])];
    const exposed = new Map([
      ["a", 5],
      ["b", 5],
    ]);
    expect(cappedSummary({ metric: "m", percentile: 0.9 }, valued, exposed).cap).toBe(5); // 9th of 10
    expect(cappedSummary({ metric: "m", percentile: 0.3 }, valued, exposed).cap).toBe(0); // 3rd: a zero
    expect(cappedSummary({ metric: "m", percentile: (0.07 * 100) / 100 }, valued, exposed).cap).toBe(0);
    const s = cappedSummary({ metric: "m", percentile: 0.8 }, valued, exposed); // 8th: 4
    expect(s.cap).toBe(4);
    expect(s.capping).toEqual({ percentile: 0.8 });
    // a: 1 2 3 0 0; b: 4 4 4 0 0 (5 and 6 capped at 4)
    expect(s.variants).toMatchObject([
      { variantId: "a", n: 5, sum: 6, sumSquares: 14 },
      { variantId: "b", n: 5, sum: 12, sumSquares: 48 },
    ]);
    expect(s.variants[0]!.sumSquaredDeviations).toBeCloseTo(14 - 36 / 5, 12);
    expect(s.variants[1]!.sumSquaredDeviations).toBeCloseTo(48 - 144 / 5, 12);
  });

  it("rounds p·N before taking the rank, and handles negative values and a fixed cap", () => {
    const hundred = units(
      "a",
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    // 0.07 · 100 is 7.000000000000001 in doubles: still rank 7
    expect(cappedSummary({ metric: "m", percentile: 0.07 }, hundred, new Map([["a", 100]])).cap).toBe(7);
    const mixed = units("a", [-5, -1, 3]); // with 2 zeros: -5 -1 0 0 3
    const exposed = new Map([["a", 5]]);
    expect(cappedSummary({ metric: "m", percentile: 0.2 }, mixed, exposed).cap).toBe(-5);
    expect(cappedSummary({ metric: "m", percentile: 0.6 }, mixed, exposed).cap).toBe(0);
    const fixed = cappedSummary({ metric: "m", value: -2 }, mixed, exposed);
    expect(fixed.cap).toBe(-2);
    // -5 -2 -2 -2 -2: the zeros are capped too
    expect(fixed.variants[0]).toMatchObject({ n: 5, sum: -13 });
  });

  it("refuses a percentile outside (0, 1) and a value that is not finite, naming the metric", () => {
    const exposed = new Map([["a", 1]]);
    expect(() => cappedSummary({ metric: "m", percentile: 1 }, [], exposed)).toThrow(
      /capped\["m"\]\.percentile must be strictly between 0 and 1, got 1/,
    );
    expect(() => cappedSummary({ metric: "m", value: Number.NaN }, [], exposed)).toThrow(
      /capped\["m"\]\.value/,
    );
  });
});
