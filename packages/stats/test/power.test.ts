import { describe, expect, it } from "vitest";
import { mde, power, StatsInputError, sampleSize } from "../src/index.js";
import { expectRel } from "./helpers.js";

describe("power, sampleSize, mde", () => {
  it("textbook case: d = 0.5, alpha 0.05 two-sided, power 0.8 → 63 per arm (normal approximation 62.8)", () => {
    const design = { mean: 0, standardDeviation: 1, scale: "absolute" as const };
    const r = sampleSize({ ...design, effect: 0.5, power: 0.8 });
    expect(r.perArm).toBe(63);
    expect(r.total).toBe(126);
    expect(r.power).toBeGreaterThanOrEqual(0.8);
    expect(power({ ...design, effect: 0.5, sampleSize: 2 * 62 })).toBeLessThan(0.8);
  });

  it("sampleSize, power and mde are consistent with each other", () => {
    const designs = [
      { type: "proportion" as const, mean: 0.1 },
      { type: "proportion" as const, mean: 0.3, scale: "absolute" as const, sides: "greater" as const },
      { mean: 50, standardDeviation: 80, variants: 3 },
      { mean: 50, standardDeviation: 80, sequential: { tuning: 5000 } },
      { mean: -20, standardDeviation: 30, sides: "less" as const },
    ];
    for (const d of designs) {
      const effect = d.sides === "less" ? -0.05 : d.scale === "absolute" ? 0.01 : 0.05;
      const n = sampleSize({ ...d, effect, power: 0.8 });
      expect(power({ ...d, effect, sampleSize: n.total })).toBeGreaterThanOrEqual(0.8);
      const variants = d.variants ?? 2;
      expect(power({ ...d, effect, sampleSize: (n.perArm - 1) * variants })).toBeLessThan(0.8);
      const found = mde({ ...d, sampleSize: n.total, power: 0.8 });
      expect(Math.sign(found)).toBe(Math.sign(effect));
      expect(Math.abs(found)).toBeLessThanOrEqual(Math.abs(effect));
      // the sequential power is a numerical integration: continuous to ~1e-8, not to rounding
      expectRel(power({ ...d, effect: found, sampleSize: n.total }), 0.8, d.sequential ? 1e-6 : 1e-9);
    }
  });

  it("sequential designs need more units; one-sided designs fewer", () => {
    const d = { type: "proportion" as const, mean: 0.2, effect: 0.05 };
    const fixed = sampleSize(d).perArm;
    expect(sampleSize({ ...d, sequential: {} }).perArm).toBeGreaterThan(1.5 * fixed);
    expect(sampleSize({ ...d, sides: "greater" }).perArm).toBeLessThan(fixed);
  });

  it("mde is Infinity when no relative lift can reach the power on a tiny sample (delta method)", () => {
    // the delta-method SE grows with the lift; Fieller's test is the absolute one, whose SE does not
    expect(mde({ mean: 1, standardDeviation: 10, sampleSize: 20, power: 0.99, relative: "delta" })).toBe(
      Number.POSITIVE_INFINITY,
    );
    const fieller = mde({ mean: 1, standardDeviation: 10, sampleSize: 20, power: 0.99 });
    expect(Number.isFinite(fieller)).toBe(true);
    expectRel(power({ mean: 1, standardDeviation: 10, sampleSize: 20, effect: fieller }), 0.99, 1e-9);
  });

  it("validates designs", () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => power({ type: "proportion", mean: 1.2, effect: 0.1, sampleSize: 100 }), /options\.mean/],
      [() => power({ mean: 1, effect: 0.1, sampleSize: 100 }), /options\.standardDeviation/],
      [() => power({ mean: 1, standardDeviation: 1, effect: 0, sampleSize: 100 }), /options\.effect/],
      [() => power({ mean: 1, standardDeviation: 1, effect: 0.1, sampleSize: 0 }), /options\.sampleSize/],
      [
        () => power({ mean: 1, standardDeviation: 1, effect: 0.1, sampleSize: 10, variants: 1 }),
        /options\.variants/,
      ],
      [() => sampleSize({ mean: 1, standardDeviation: 1, effect: 0.1, power: 1 }), /options\.power/],
      [() => power({ type: "proportion", mean: 0.5, effect: 1.5, sampleSize: 100 }), /outside \[0, 1\]/],
      [
        () => sampleSize({ mean: 1, standardDeviation: 1, effect: -0.1, sides: "greater" }),
        /cannot be detected/,
      ],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(StatsInputError);
      expect(call).toThrow(message);
    }
  });
});
