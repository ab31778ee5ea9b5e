// The relative scale's default test: Welch's p-value of the absolute contrast (the same null as the
// absolute scale) and Fieller's interval with the same critical value, against an independent
// scipy/mpmath reference (test/fixtures/generate_fieller.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CompareOptions, compare, type SampleStats } from "../src/index.js";
import { rng } from "./helpers.js";

type Num = number | "Infinity" | "-Infinity";
const num = (x: Num): number =>
  x === "Infinity" ? Number.POSITIVE_INFINITY : x === "-Infinity" ? Number.NEGATIVE_INFINITY : x;

interface FiellerCase {
  label: string;
  control: SampleStats;
  treatment: SampleStats;
  options: CompareOptions;
  expected: {
    estimate: Num;
    pValue: Num;
    welchStatistic: Num;
    statistic: Num;
    ci: [Num, Num];
    shape: "bounded" | "whole-line" | "exclusive-union";
    excluded?: [Num, Num];
  };
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/fieller-reference.json", import.meta.url), "utf8"),
) as { cases: FiellerCase[] };

function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

/** Bounds to 1e-7, relative to the bound or (near 0) to the interval's width. */
function boundErr(actual: number, expected: number, width: number): number {
  if (!Number.isFinite(expected)) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.isFinite(width) ? width : 0);
}

describe(`relative scale vs scipy/mpmath Fieller (${fixture.cases.length} cases)`, () => {
  it("covers bounded, whole-line and exclusive-union sets, one- and two-sided, fixed and sequential", () => {
    const shapes = new Set(fixture.cases.map((c) => c.expected.shape));
    expect([...shapes].sort()).toEqual(["bounded", "exclusive-union", "whole-line"]);
    expect(fixture.cases.some((c) => c.options.sequential !== undefined)).toBe(true);
    expect(fixture.cases.some((c) => c.options.sides === "less")).toBe(true);
  });

  it("p equals the reference to 1e-9 relative; bounds to 1e-7; the shape and its gap match", () => {
    let worstP = 0;
    let worstBound = 0;
    for (const c of fixture.cases) {
      const r = compare(c.control, c.treatment, c.options);
      const e = c.expected;
      const label = `${c.label} ${JSON.stringify(c.options)} ${JSON.stringify([c.control, c.treatment])}`;
      expect(r.warning, label).toBeUndefined();
      expect(relErr(r.estimate, num(e.estimate)), label).toBeLessThanOrEqual(1e-9);
      const pErr = num(e.pValue) > 1e-300 ? relErr(r.pValue, num(e.pValue)) : r.pValue < 1e-300 ? 0 : 1;
      expect(pErr, `${label} p ${r.pValue} vs ${e.pValue}`).toBeLessThanOrEqual(1e-9);
      expect(relErr(r.statistic, num(e.statistic)), label).toBeLessThanOrEqual(1e-9);
      expect(r.fieller?.shape, label).toBe(e.shape);
      expect(r.ciUnbounded, label).toBe(e.shape !== "bounded");
      const width = num(e.ci[1]) - num(e.ci[0]);
      const errs = [0, 1].map((k) => boundErr(r.ci[k] ?? Number.NaN, num(e.ci[k] as Num), width));
      if (e.excluded !== undefined) {
        const gap = num(e.excluded[1]) - num(e.excluded[0]);
        for (const k of [0, 1]) {
          errs.push(boundErr(r.fieller?.excluded?.[k] ?? Number.NaN, num(e.excluded[k] as Num), gap));
        }
      }
      for (const err of errs) expect(err, `${label} ci ${r.ci} vs ${e.ci}`).toBeLessThanOrEqual(1e-7);
      worstP = Math.max(worstP, pErr);
      worstBound = Math.max(worstBound, ...errs);
    }
    console.info("Fieller fixture worst relative errors: p", worstP, "bounds", worstBound);
  });

  it("with no null effect, the relative p is the absolute Welch p (fixed and sequential)", () => {
    for (const c of fixture.cases.filter((x) => x.options.nullEffect === undefined)) {
      const rel = compare(c.control, c.treatment, c.options);
      const abs = compare(c.control, c.treatment, { ...c.options, scale: "absolute" });
      expect(relErr(rel.pValue, abs.pValue), c.label).toBeLessThanOrEqual(1e-12);
      expect(relErr(rel.statistic, num(c.expected.welchStatistic)), c.label).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe("relative scale: the issue's examples", () => {
  it("5/1000 vs 1/1000: p is the absolute 0.102, not the delta method's 2.7e-4", () => {
    const a = { n: 1000, sum: 5 };
    const b = { n: 1000, sum: 1 };
    const r = compare(a, b, { type: "proportion" });
    expect(r.pValue).toBeCloseTo(0.102, 3);
    expect(compare(a, b, { type: "proportion", relative: "delta" }).pValue).toBeLessThan(1e-3);
    expect(r.ci[0]).toBeLessThan(0);
    expect(r.ci[1]).toBeGreaterThan(0);
    // the delta-method SE is still reported, for display
    expect(r.standardError).toBe(compare(a, b, { type: "proportion", relative: "delta" }).standardError);
  });

  it("5/50 → 20/50: p 4e-4 like the absolute test, CI excludes 0 (the delta method: p 0.106)", () => {
    const r = compare({ n: 50, sum: 5 }, { n: 50, sum: 20 }, { type: "proportion" });
    expect(r.pValue).toBeLessThan(1e-3);
    expect(r.ci[0]).toBeGreaterThan(0);
    expect(r.ci[1]).toBeGreaterThan(r.estimate);
    expect(
      compare({ n: 50, sum: 5 }, { n: 50, sum: 20 }, { type: "proportion", relative: "delta" }).pValue,
    ).toBeCloseTo(0.106, 2);
  });

  it("a control mean not distinguishable from 0 gives an unbounded CI with the flag, and says which gap is rejected", () => {
    const r = compare({ n: 50, sum: 1 }, { n: 50, sum: 20 }, { type: "proportion" });
    expect(r.ciUnbounded).toBe(true);
    expect(r.ci).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(r.fieller?.shape).toBe("exclusive-union");
    expect(r.pValue).toBeLessThan(0.05);
    const [lo, hi] = r.fieller?.excluded ?? [Number.NaN, Number.NaN];
    expect(lo < 0 && hi > 0).toBe(true); // the null lies in the rejected gap
    expect(r.estimate > hi || r.estimate < lo).toBe(true);
  });

  it("swapping the arms gives the same p (the test is symmetric in the null)", () => {
    const a = { n: 3407, sum: 1396.87, sumSquares: 52377.9767 };
    const b = { n: 3461, sum: 2422.7, sumSquares: 134698.29 };
    expect(compare(a, b).pValue).toBeCloseTo(compare(b, a).pValue, 14);
    expect(compare(a, b).pValue).toBeCloseTo(0.02016, 5); // gbstats V1's absolute p
  });

  it("rejects an unknown relative method, naming the option", () => {
    const a = { n: 10, sum: 2 };
    expect(() =>
      compare(a, a, { type: "proportion", relative: "ratio" } as unknown as CompareOptions),
    ).toThrow(/options\.relative/);
  });
});

describe("relative scale: CI excludes the null exactly when p < alpha", () => {
  it("for every side, level, null and method, including tiny and negative control means", () => {
    const r = rng(1313);
    let rejected = 0;
    let unbounded = 0;
    for (let i = 0; i < 3000; i++) {
      const n = 10 + Math.floor(r.uniform() * 3000);
      const mA = (r.uniform() < 0.5 ? -1 : 1) * 10 ** (r.uniform() * 4 - 2);
      const sd = Math.abs(mA) * 10 ** (r.uniform() * 3 - 1);
      const mB = mA + (r.normal() * 3 * sd) / Math.sqrt(n);
      const arm = (m: number, s: number) => ({ n, sum: n * m, sumSquares: (n - 1) * s * s + n * m * m });
      const options: CompareOptions = {
        sides: (["two", "greater", "less"] as const)[i % 3] ?? "two",
        alpha: [0.05, 0.01, 0.2][(i % 5) % 3] ?? 0.05,
        nullEffect: [0, 0.05, -0.1][(i % 7) % 3] ?? 0,
        ...(i % 2 === 0 ? { sequential: { tuning: 2000 } } : {}),
      };
      const res = compare(arm(mA, sd), arm(mB, sd * (0.5 + r.uniform())), options);
      if (Math.abs(res.pValue - (options.alpha ?? 0.05)) < 1e-9) continue;
      const nul = options.nullEffect ?? 0;
      const gap = res.fieller?.excluded;
      const rejectedByCi =
        gap !== undefined ? nul > gap[0] && nul < gap[1] : res.ci[0] > nul || res.ci[1] < nul;
      expect(rejectedByCi, JSON.stringify({ options, res })).toBe(res.pValue < (options.alpha ?? 0.05));
      if (rejectedByCi) rejected++;
      if (res.ciUnbounded) unbounded++;
    }
    expect(rejected).toBeGreaterThan(300);
    expect(unbounded).toBeGreaterThan(100);
  });
});

describe("relative scale with CUPED", () => {
  it("p equals the absolute CUPED test's; the CI is the set of lifts the CUPED contrast does not reject", () => {
    const r = rng(99);
    const make = (n: number, lift: number) => {
      const y = { n, sum: 0, sumSquares: 0 };
      const x = { sum: 0, sumSquares: 0, sumProducts: 0 };
      for (let i = 0; i < n; i++) {
        const pre = 20 + 5 * r.normal();
        const v = 5 + 0.8 * pre + 2 * r.normal() + lift;
        y.sum += v;
        y.sumSquares += v * v;
        x.sum += pre;
        x.sumSquares += pre * pre;
        x.sumProducts += pre * v;
      }
      return { y, x };
    };
    const a = make(2000, 0);
    const b = make(2100, 0.4);
    const cuped = { control: a.x, treatment: b.x };
    const rel = compare(a.y, b.y, { cuped });
    const abs = compare(a.y, b.y, { cuped, scale: "absolute" });
    expect(relErr(rel.pValue, abs.pValue)).toBeLessThanOrEqual(1e-12);
    expect(rel.ciUnbounded).toBe(false);
    // at each bound the test of that lift as the null is exactly at alpha (p = 0.05)
    for (const bound of rel.ci) {
      expect(compare(a.y, b.y, { cuped, nullEffect: bound }).pValue).toBeCloseTo(0.05, 9);
    }
    // and CUPED narrows the relative CI
    const plain = compare(a.y, b.y);
    expect(rel.ci[1] - rel.ci[0]).toBeLessThan(0.6 * (plain.ci[1] - plain.ci[0]));
  });
});
