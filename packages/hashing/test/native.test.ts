import { describe, expect, it } from "vitest";
import { chooseRange, fnv1a32, NativeBucketer, nativeHash, nativeKey, variantRanges } from "../src/index.js";

function chiSquare(observed: readonly number[], weights: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = weights.reduce((a, b) => a + b, 0);
  return observed.reduce((acc, o, i) => {
    const e = (n * weights[i]!) / total;
    return acc + (o - e) ** 2 / e;
  }, 0);
}

describe("native key and hash", () => {
  it("builds keys as [salt:]experiment:unit", () => {
    expect(nativeKey("exp", "alice")).toBe("exp:alice");
    expect(nativeKey("exp", "alice", "s1")).toBe("s1:exp:alice");
  });

  it("bucketer.hash equals nativeHash of the full key, with and without salt, for non-ASCII units", () => {
    for (const salt of [undefined, "2026", "sél"]) {
      const bucketer = new NativeBucketer({
        experiment: "checkout",
        weights: [1, 1],
        ...(salt ? { salt } : {}),
      });
      for (const unit of ["alice", "Zoë", "用户-42", "😀emoji", "user-1"]) {
        expect(bucketer.hash(unit)).toBe(nativeHash(nativeKey("checkout", unit, salt)));
      }
    }
  });

  it("splits sequential ids evenly where plain FNV-1a does not (the reason for fmix32)", () => {
    const counts = [0, 0];
    const fnvOnly = [0, 0];
    const bucketer = new NativeBucketer({ experiment: "exp", weights: [50, 50] });
    for (let i = 0; i < 100_000; i++) {
      counts[bucketer.bucket(`user-${i}`)]!++;
      fnvOnly[fnv1a32(`exp:user-${i}`) / 4294967296 < 0.5 ? 0 : 1]!++;
    }
    // chi-square, 1 df: 10.83 is p = 0.001.
    expect(chiSquare(counts, [1, 1])).toBeLessThan(10.83);
    expect(chiSquare(fnvOnly, [1, 1])).toBeGreaterThan(10.83);
  });
});

describe("variant ranges", () => {
  it("walks relative weights in declared order", () => {
    expect(variantRanges([90, 10])).toEqual([
      { start: 0, end: 0.9 },
      { start: 0.9, end: 1 },
    ]);
    expect(variantRanges([9, 1])).toEqual(variantRanges([90, 10]));
    expect(chooseRange(0.9, variantRanges([90, 10]))).toBe(1);
    expect(chooseRange(0.8999, variantRanges([90, 10]))).toBe(0);
  });

  it("keeps starts fixed when traffic changes and leaves the rest unassigned", () => {
    const quarter = variantRanges([1, 1, 1], 0.25);
    expect(quarter.map((r) => r.start)).toEqual(variantRanges([1, 1, 1]).map((r) => r.start));
    expect(quarter[0]!.end).toBeCloseTo(1 / 12, 15);
    expect(chooseRange(0.2, quarter)).toBe(-1);
  });

  it("rejects negative, non-finite and all-zero weights and traffic outside 0..1", () => {
    expect(() => variantRanges([-1, 2])).toThrow(RangeError);
    expect(() => variantRanges([Number.NaN, 2])).toThrow(RangeError);
    expect(() => variantRanges([0, 0])).toThrow(RangeError);
    expect(() => variantRanges([1, 1], 1.5)).toThrow(RangeError);
  });

  it("with traffic 0.25 and three equal variants, enrolled units split evenly", () => {
    const bucketer = new NativeBucketer({ experiment: "t25", weights: [1, 1, 1], traffic: 0.25 });
    const counts = [0, 0, 0];
    let out = 0;
    for (let i = 0; i < 120_000; i++) {
      const b = bucketer.bucket(`u${i}`);
      if (b < 0) out++;
      else counts[b]!++;
    }
    expect(out / 120_000).toBeGreaterThan(0.74);
    expect(out / 120_000).toBeLessThan(0.76);
    expect(chiSquare(counts, [1, 1, 1])).toBeLessThan(13.82); // 2 df, p = 0.001
  });

  it("raising traffic never moves an enrolled unit to another variant", () => {
    const levels = [0.05, 0.25, 0.5, 0.9, 1].map(
      (traffic) => new NativeBucketer({ experiment: "ramp", weights: [50, 30, 20], traffic }),
    );
    for (let i = 0; i < 50_000; i++) {
      let previous = -1;
      for (const bucketer of levels) {
        const b = bucketer.bucket(`id-${i}`);
        if (previous >= 0) expect(b).toBe(previous);
        previous = b;
      }
    }
  });
});
