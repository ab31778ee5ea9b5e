import { quantileSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { compareQuantiles, normalQuantile } from "../src/index.js";
import { rng } from "./helpers.js";

/**
 * Coverage of compareQuantiles' 95% CI of the difference of two arms' quantiles, each arm summarized by the
 * stores' own quantileSummary (nearest rank, exact binomial ranks), on fixed seeds: 2,000 runs per case.
 */
type Draw = (r: ReturnType<typeof rng>) => number;
interface Case {
  readonly name: string;
  readonly probability: number;
  readonly n: number;
  readonly control: Draw;
  readonly treatment: Draw;
  /** The true difference of the two distributions' quantiles. */
  readonly truth: number;
  /** The control distribution's true quantile (the relative truth is truth / it). */
  readonly controlQuantile: number;
}

const lognormal =
  (mu: number, sigma: number): Draw =>
  (r) =>
    Math.exp(mu + sigma * r.normal());
const exponential =
  (mean: number): Draw =>
  (r) => {
    let u = 0;
    while (u === 0) u = r.uniform();
    return -mean * Math.log(u);
  };
const lognormalQ = (mu: number, sigma: number, p: number) => Math.exp(mu + sigma * normalQuantile(p));
const exponentialQ = (mean: number, p: number) => -mean * Math.log(1 - p);

function run(
  c: Case,
  runs: number,
  seed: number,
): { covered: number; relativeCovered: number; rejected: number } {
  const r = rng(seed);
  let covered = 0;
  let relativeCovered = 0;
  let rejected = 0;
  const exposed = new Map([
    ["c", c.n],
    ["t", c.n],
  ]);
  for (let i = 0; i < runs; i++) {
    const valued: Array<{ variantId: string; value: number }> = [];
    for (let u = 0; u < c.n; u++) valued.push({ variantId: "c", value: c.control(r) });
    for (let u = 0; u < c.n; u++) valued.push({ variantId: "t", value: c.treatment(r) });
    const s = quantileSummary({ metric: "m", probability: c.probability }, valued, exposed);
    const [a, b] = s.variants;
    const cmp = compareQuantiles(a!, b!, { probability: c.probability });
    expect(cmp.warning).toBeUndefined();
    if (cmp.ci[0] <= c.truth && c.truth <= cmp.ci[1]) covered++;
    const relative = c.truth / c.controlQuantile;
    if (cmp.relative.ci[0] <= relative && relative <= cmp.relative.ci[1]) relativeCovered++;
    if (cmp.pValue < 0.05) rejected++;
  }
  return { covered: covered / runs, relativeCovered: relativeCovered / runs, rejected: rejected / runs };
}

const CASES: Case[] = [
  {
    name: "p90 lognormal σ 1, n 1,000, treatment ×1.1",
    probability: 0.9,
    n: 1000,
    control: lognormal(0, 1),
    treatment: lognormal(Math.log(1.1), 1),
    truth: lognormalQ(Math.log(1.1), 1, 0.9) - lognormalQ(0, 1, 0.9),
    controlQuantile: lognormalQ(0, 1, 0.9),
  },
  {
    name: "p50 lognormal σ 1.5, n 2,000, treatment ×1.05",
    probability: 0.5,
    n: 2000,
    control: lognormal(1, 1.5),
    treatment: lognormal(1 + Math.log(1.05), 1.5),
    truth: lognormalQ(1 + Math.log(1.05), 1.5, 0.5) - lognormalQ(1, 1.5, 0.5),
    controlQuantile: lognormalQ(1, 1.5, 0.5),
  },
  {
    name: "p90 exponential, n 3,000, treatment mean 1.2",
    probability: 0.9,
    n: 3000,
    control: exponential(1),
    treatment: exponential(1.2),
    truth: exponentialQ(1.2, 0.9) - exponentialQ(1, 0.9),
    controlQuantile: exponentialQ(1, 0.9),
  },
  {
    name: "p50 exponential, n 5,000, treatment mean 1.03",
    probability: 0.5,
    n: 5000,
    control: exponential(1),
    treatment: exponential(1.03),
    truth: exponentialQ(1.03, 0.5) - exponentialQ(1, 0.5),
    controlQuantile: exponentialQ(1, 0.5),
  },
];

describe("compareQuantiles: coverage by simulation (2,000 runs each, fixed seeds)", () => {
  CASES.forEach((c, i) => {
    it(`95% CIs of the difference and the relative difference cover at 95 ± 1.5%: ${c.name}`, () => {
      const { covered, relativeCovered } = run(c, 2000, 20_260_000 + i);
      console.log(
        `${c.name}: coverage ${(100 * covered).toFixed(2)}%, relative ${(100 * relativeCovered).toFixed(2)}%`,
      );
      expect(covered).toBeGreaterThanOrEqual(0.935);
      expect(covered).toBeLessThanOrEqual(0.965);
      expect(relativeCovered).toBeGreaterThanOrEqual(0.935);
      expect(relativeCovered).toBeLessThanOrEqual(0.965);
    }, 60_000);
  });

  for (const [i, c] of [
    { name: "A/A p90 lognormal σ 2, n 2,000", probability: 0.9, n: 2000, draw: lognormal(0, 2) },
    { name: "A/A p50 exponential, n 1,000", probability: 0.5, n: 1000, draw: exponential(1) },
  ].entries()) {
    it(`A/A false positives at 5 ± 1.5%: ${c.name}`, () => {
      const { rejected } = run(
        {
          name: c.name,
          probability: c.probability,
          n: c.n,
          control: c.draw,
          treatment: c.draw,
          truth: 0,
          controlQuantile: 1,
        },
        2000,
        20_261_000 + i,
      );
      console.log(`${c.name}: false positives ${(100 * rejected).toFixed(2)}%`);
      expect(rejected).toBeGreaterThanOrEqual(0.035);
      expect(rejected).toBeLessThanOrEqual(0.065);
    }, 60_000);
  }
});
