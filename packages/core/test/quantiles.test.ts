import { describe, expect, it } from "vitest";
import { orderStatisticRanks, quantileSummary, type StoredEvent, summarizeEvents } from "../src/index.js";

const units = (variantId: string, values: number[]) => values.map((value) => ({ variantId, value }));

/** P(B ≤ k) for B ~ Binomial(n, p), summed term by term (small n only). */
function binomialCdf(n: number, p: number, k: number): number {
  let total = 0;
  let choose = 1;
  for (let i = 0; i <= Math.min(k, n); i++) {
    if (i > 0) choose = (choose * (n - i + 1)) / i;
    total += choose * p ** i * (1 - p) ** (n - i);
  }
  return total;
}

describe("orderStatisticRanks", () => {
  it("gives the textbook median interval of 20 values: x(6) to x(15), coverage 0.9586", () => {
    const r = orderStatisticRanks(20, 0.5, 0.95);
    expect(r).toMatchObject({ lower: 6, upper: 15 });
    expect(r.coverage).toBeCloseTo(1 - 2 * binomialCdf(20, 0.5, 5), 12);
    expect(r.coverage).toBeCloseTo(0.9586, 4);
  });

  it("matches a brute-force search over the exact binomial for every n up to 80 and several p", () => {
    for (const p of [0.05, 0.25, 0.5, 0.9, 0.99]) {
      for (let n = 1; n <= 80; n++) {
        const tail = 0.025;
        let lower = 1;
        for (let l = 1; l <= n; l++) if (binomialCdf(n, p, l - 1) <= tail) lower = l;
        let upper = n;
        for (let u = n; u >= 1; u--) if (1 - binomialCdf(n, p, u - 1) <= tail) upper = u;
        const r = orderStatisticRanks(n, p, 0.95);
        expect([n, p, r.lower, r.upper]).toEqual([n, p, lower, upper]);
        const coverage = binomialCdf(n, p, upper - 1) - binomialCdf(n, p, lower - 1);
        expect(r.coverage).toBeCloseTo(coverage, 9);
      }
    }
  });

  it("is near the normal approximation for large n, and fast", () => {
    const started = performance.now();
    const r = orderStatisticRanks(10_000_000, 0.9, 0.95);
    expect(performance.now() - started).toBeLessThan(200);
    const half = 1.959964 * Math.sqrt(10_000_000 * 0.9 * 0.1);
    expect(Math.abs(r.lower - (9_000_000 - half))).toBeLessThan(3);
    expect(Math.abs(r.upper - (9_000_000 + half))).toBeLessThan(3);
    expect(r.coverage).toBeGreaterThanOrEqual(0.95);
    expect(r.coverage).toBeLessThan(0.9501);
  });

  it("clamps to 1 or n and reports the lower coverage when n is too small for the confidence", () => {
    const r = orderStatisticRanks(10, 0.9, 0.95);
    expect(r.upper).toBe(10); // P(B = 10) = 0.349 > 0.025: no rank qualifies
    expect(r.coverage).toBeCloseTo(1 - 0.9 ** 10 - binomialCdf(10, 0.9, r.lower - 1), 12);
    expect(r.coverage).toBeLessThan(0.95);
  });
});

describe("quantileSummary", () => {
  it("takes the nearest-rank quantile of every exposed unit, the units without a value as zeros", () => {
    // a: 5 valued (1..5) of 10 exposed: 0 0 0 0 0 1 2 3 4 5; b: 3 valued of 3
    const valued = [...units("a", [5, 3, 1, 4, 2]), ...units("b", [-1, 7, 0])];
    const exposed = new Map([
      ["a", 10],
      ["b", 3],
    ]);
    const s = quantileSummary({ metric: "m", probability: 0.7 }, valued, exposed);
    expect(s).toMatchObject({ metric: "m", probability: 0.7, confidence: 0.95, ignoreZeros: false });
    const [a, b] = s.variants;
    expect(a).toMatchObject({ variantId: "a", n: 10, rank: 7, estimate: 2 });
    const ranks = orderStatisticRanks(10, 0.7, 0.95);
    expect(a).toMatchObject({ lowerRank: ranks.lower, upperRank: ranks.upper, coverage: ranks.coverage });
    const sortedA = [0, 0, 0, 0, 0, 1, 2, 3, 4, 5];
    expect(a!.lower).toBe(sortedA[ranks.lower - 1]);
    expect(a!.upper).toBe(sortedA[ranks.upper - 1]);
    expect(b).toMatchObject({ variantId: "b", n: 3, rank: 3, estimate: 7 }); // -1 0 7
  });

  it("with ignoreZeros counts only the nonzero units, and answers n = 0 with zeros", () => {
    const valued = [...units("a", [0, 10, 20, 30, 40])];
    const exposed = new Map([
      ["a", 8],
      ["b", 2],
    ]);
    const s = quantileSummary({ metric: "m", probability: 0.5, ignoreZeros: true }, valued, exposed);
    expect(s.variants[0]).toMatchObject({ n: 4, rank: 2, estimate: 20 });
    expect(s.variants[1]).toEqual({
      variantId: "b",
      n: 0,
      estimate: 0,
      rank: 0,
      lower: 0,
      lowerRank: 0,
      upper: 0,
      upperRank: 0,
      coverage: 0,
    });
    // 0.07 · 100 is 7.000000000000001 in doubles: still rank 7
    const hundred = units(
      "a",
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    const q = quantileSummary({ metric: "m", probability: 0.07 }, hundred, new Map([["a", 100]]));
    expect(q.variants[0]!.estimate).toBe(7);
  });

  it("refuses a probability or confidence outside (0, 1), naming the metric", () => {
    const exposed = new Map([["a", 1]]);
    expect(() => quantileSummary({ metric: "m", probability: 1 }, [], exposed)).toThrow(
      /quantiles\["m"\]\.probability must be strictly between 0 and 1, got 1/,
    );
    expect(() => quantileSummary({ metric: "m", probability: 0.5, confidence: 0 }, [], exposed)).toThrow(
      /quantiles\["m"\]\.confidence/,
    );
  });
});

describe("summarizeEvents with quantiles", () => {
  it("reads the per-unit values as every metric does: sums per unit, after the first exposure only", () => {
    const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);
    const events: StoredEvent[] = [];
    for (let i = 0; i < 6; i++) {
      events.push({
        type: "exposure",
        eventId: `x${i}`,
        experiment: "e",
        variantId: i < 3 ? "a" : "b",
        userId: `u${i}`,
        timestamp: t(10),
      });
    }
    const outcome = (id: string, user: number, value: number, at: number): StoredEvent => ({
      type: "outcome",
      eventId: id,
      experiment: "e",
      metric: "latency",
      value: { kind: "numeric", value },
      userId: `u${user}`,
      timestamp: t(at),
    });
    // a: u0 = 5 + 7, u1 = 3 (its 100 came before its exposure), u2 none; b: u3 = 1, u4 = 2, u5 = 9
    events.push(outcome("o1", 0, 5, 11), outcome("o2", 0, 7, 12), outcome("o3", 1, 3, 11));
    events.push(outcome("o4", 1, 100, 5), outcome("o5", 3, 1, 11), outcome("o6", 4, 2, 11));
    events.push(outcome("o7", 5, 9, 11));
    const s = summarizeEvents(events, {
      experiment: "e",
      quantiles: [
        { metric: "latency", probability: 0.5 },
        { metric: "latency", probability: 0.5, ignoreZeros: true, confidence: 0.8 },
      ],
    });
    expect(s.quantiles?.[0]?.variants.map((v) => [v.variantId, v.n, v.estimate])).toEqual([
      ["a", 3, 3], // 0 3 12
      ["b", 3, 2], // 1 2 9
    ]);
    expect(s.quantiles?.[1]).toMatchObject({ confidence: 0.8, ignoreZeros: true });
    expect(s.quantiles?.[1]?.variants.map((v) => [v.variantId, v.n, v.estimate])).toEqual([
      ["a", 2, 3], // 3 12
      ["b", 3, 2],
    ]);
  });
});
