import { describe, expect, it } from "vitest";
import {
  FLAG_VALUE_SEED,
  independentPoint,
  LAYER_SEED,
  nativeUnitPoint,
  ROLLOUT_SEED,
} from "../src/index.js";

describe("independentPoint", () => {
  it("is a stable point of [0, 1) per namespace, unit and seed", () => {
    const a = independentPoint("checkout_page", "user-1", LAYER_SEED);
    expect(a).toBe(independentPoint("checkout_page", "user-1", LAYER_SEED));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    expect(independentPoint("checkout_page", "user-1", ROLLOUT_SEED)).not.toBe(a);
    expect(independentPoint("other", "user-1", LAYER_SEED)).not.toBe(a);
  });

  it("is uncorrelated with the native experiment hash and across seeds (20k units)", () => {
    const n = 20_000;
    const pairs: Array<[string, (i: number) => number, (i: number) => number]> = [
      [
        "native vs layer",
        (i) => nativeUnitPoint(`new_checkout:user-${i}`),
        (i) => independentPoint("new_checkout", `user-${i}`, LAYER_SEED),
      ],
      [
        "rollout vs value",
        (i) => independentPoint("f", `user-${i}`, ROLLOUT_SEED),
        (i) => independentPoint("f", `user-${i}`, FLAG_VALUE_SEED),
      ],
    ];
    for (const [name, x, y] of pairs) {
      // a 4x4 contingency table of quartiles: chi-square with 9 df, p = 0.001 at 27.88
      const cells = new Array(16).fill(0);
      for (let i = 0; i < n; i++) cells[Math.floor(x(i) * 4) * 4 + Math.floor(y(i) * 4)]++;
      const chi = cells.reduce((sum, c) => sum + (c - n / 16) ** 2 / (n / 16), 0);
      expect(chi, name).toBeLessThan(27.88);
    }
  });
});
