// A/A simulations with fixed seeds (issue 13). Sequential: a look every 100 units per arm up to 10,000
// (100 looks); the confidence sequence's false-positive rate (rejected at any look) stays ≤ 5% on
// conversions, normal values and heavy-tailed revenue, on both scales, two- and one-sided.
//
// Binomial margin: 1,000 experiments; a rate of 5% would have sd 0.69%, and the rates come out at
// 0.3–2.5%, so "≤ 5%" holds by 3.5+ sd, not by luck of the seed.
import { describe, expect, it } from "vitest";
import { checksOf, type Scenario, simulateAa } from "./aa-simulation.js";

describe.each([
  ["conversion", 2026120201],
  ["normal", 2026120202],
  ["revenue", 2026120203],
] as const)("sequential A/A on %s, 1,000 experiments × 100 looks", (scenario: Scenario, seed: number) => {
  it("at most 5% false positives on both scales, two- and one-sided", () => {
    const rates = simulateAa({
      scenario,
      experiments: 1000,
      seed,
      sequential: checksOf({ sequential: { tuning: 5000 } }),
      lookEvery: 100,
      maxPerArm: 10_000,
      fixed: [],
      horizons: [],
    });
    console.info(`sequential A/A ${scenario}:`, Object.fromEntries(rates));
    expect(rates.size).toBe(6);
    for (const [name, rate] of rates) expect(rate, name).toBeLessThanOrEqual(0.05);
  });
});
