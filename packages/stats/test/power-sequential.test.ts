// Sequential power (issue 13): power, sampleSize and mde describe a design — the confidence sequence
// looked at `looks` equally spaced times up to the planned sample, stopping at the first look that
// excludes 0 — and must agree with a simulation of exactly that design, run through compare().
//
// Binomial margin: 4,000 simulated experiments per design; at power 0.5 the sd is 0.79 pp, so the
// asserted 2 pp is 2.5 sd (at 0.2 or 0.8 it is 3.2 sd).
import { describe, expect, it } from "vitest";
import { type CompareOptions, compare, type DesignOptions, mde, power, sampleSize } from "../src/index.js";
import { rng } from "./helpers.js";

const EXPERIMENTS = 4000;

/** Simulated power of a conversion design: arms at rates pA and pB, looks at k·perArm/looks units. */
function simulate(
  pA: number,
  pB: number,
  perArm: number,
  looks: number,
  options: CompareOptions,
  seed: number,
): number {
  const r = rng(seed);
  const gap = (p: number) => 1 + Math.floor(Math.log(1 - r.uniform()) / Math.log1p(-p));
  const alpha = options.alpha ?? 0.05;
  let rejected = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    const arms = [
      { p: pA, n: 0, sum: 0, next: gap(pA) },
      { p: pB, n: 0, sum: 0, next: gap(pB) },
    ];
    for (let k = 1; k <= looks; k++) {
      const n = Math.round((k * perArm) / looks);
      for (const arm of arms) {
        while (arm.next <= n) {
          arm.sum++;
          arm.next += gap(arm.p);
        }
        arm.n = n;
      }
      const [a, b] = arms as [(typeof arms)[0], (typeof arms)[0]];
      const res = compare({ n: a.n, sum: a.sum }, { n: b.n, sum: b.sum }, { type: "proportion", ...options });
      if (res.pValue < alpha) {
        rejected++;
        break;
      }
    }
  }
  return rejected / EXPERIMENTS;
}

function check(design: DesignOptions & { effect: number }, perArm: number, seed: number) {
  const looks = design.sequential?.looks ?? 100;
  const computed = power({ ...design, sampleSize: 2 * perArm });
  const pB = design.mean * (1 + design.effect);
  const options: CompareOptions = {
    ...(design.alpha === undefined ? {} : { alpha: design.alpha }),
    ...(design.sides === undefined ? {} : { sides: design.sides }),
    sequential: { tuning: design.sequential?.tuning ?? 5000 },
  };
  const simulated = simulate(design.mean, pB, perArm, looks, options, seed);
  console.info(`${JSON.stringify(design)} perArm ${perArm}: computed ${computed}, simulated ${simulated}`);
  expect(Math.abs(computed - simulated)).toBeLessThanOrEqual(0.02);
  return { computed, simulated };
}

describe("sequential power agrees with a simulation of the design (conversion 10%, N* 5000)", () => {
  const base = { type: "proportion" as const, mean: 0.1 };

  it("below 50% power, 100 looks (the default): no more optimistic than the design is", () => {
    const { computed } = check({ ...base, effect: 0.08, sequential: { tuning: 5000 } }, 8000, 11);
    expect(computed).toBeLessThan(0.5);
    expect(computed).toBeGreaterThan(0.1);
  });

  it("at the sample size sampleSize() asks for 80% with 20 looks, power is 80%", () => {
    const design = { ...base, effect: 0.1, sequential: { tuning: 5000, looks: 20 } };
    const n = sampleSize({ ...design, power: 0.8 });
    const { simulated } = check(design, n.perArm, 12);
    expect(Math.abs(simulated - 0.8)).toBeLessThanOrEqual(0.02);
  });

  it("one-sided, 10 looks, low power", () => {
    const { computed } = check(
      { ...base, effect: 0.06, sides: "greater", sequential: { tuning: 5000, looks: 10 } },
      10_000,
      13,
    );
    expect(computed).toBeLessThan(0.5);
  });

  it("a single look at the planned sample: Φ(Δ/SE − m), by simulation too", () => {
    check({ ...base, effect: 0.1, sequential: { tuning: 5000, looks: 1 } }, 12_000, 14);
  });

  it("mde at 30% power with 50 looks is the effect the simulation detects 30% of the time", () => {
    const design = { ...base, sequential: { tuning: 5000, looks: 50 } };
    const effect = mde({ ...design, sampleSize: 2 * 6000, power: 0.3 });
    const { simulated } = check({ ...design, effect }, 6000, 15);
    expect(Math.abs(simulated - 0.3)).toBeLessThanOrEqual(0.02);
  });

  it("more looks give more power (more chances to stop), all at or above the last look's alone", () => {
    const at = (looks: number) =>
      power({ ...base, effect: 0.1, sampleSize: 20_000, sequential: { tuning: 5000, looks } });
    expect(at(1)).toBeLessThan(at(10));
    expect(at(10)).toBeLessThan(at(100));
  });

  it("fixed horizon, relative design: the power of the Welch test the relative scale now runs", () => {
    const design = { ...base, effect: 0.1 };
    const computed = power({ ...design, sampleSize: 2 * 6000 });
    const simulated = simulate(0.1, 0.11, 6000, 1, {}, 16);
    console.info(`fixed ${JSON.stringify(design)} perArm 6000: computed ${computed}, simulated ${simulated}`);
    expect(Math.abs(computed - simulated)).toBeLessThanOrEqual(0.02);
  });

  it("validates looks", () => {
    expect(() => power({ ...base, effect: 0.1, sampleSize: 100, sequential: { looks: 0 } })).toThrow(
      /options\.sequential\.looks/,
    );
    expect(() => power({ ...base, effect: 0.1, sampleSize: 100, sequential: { looks: 2.5 } })).toThrow(
      /options\.sequential\.looks/,
    );
  });
});
