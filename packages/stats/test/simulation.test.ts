// A/A simulations with fixed seeds: the false-positive rate of the fixed-horizon test at its planned
// sample, and of the fixed and sequential tests when someone looks every 100 units per arm.
import { describe, expect, it } from "vitest";
import { compare, type SampleStats } from "../src/index.js";
import { rng } from "./helpers.js";

const EXPERIMENTS = 2000;
const LOOK_EVERY = 100;
const LOOKS = 10; // up to 1,000 units per arm
const ALPHA = 0.05;

interface Outcome {
  fixedAtEnd: boolean;
  fixedPeeking: boolean;
  sequentialPeeking: boolean;
}

/** One A/A experiment: both arms draw from the same distribution; mean metric N(10, 3²). */
function runExperiment(r: ReturnType<typeof rng>): Outcome {
  const arms = [
    { n: 0, sum: 0, sumSquares: 0 },
    { n: 0, sum: 0, sumSquares: 0 },
  ];
  let fixedPeeking = false;
  let sequentialPeeking = false;
  let fixedAtEnd = false;
  for (let look = 1; look <= LOOKS; look++) {
    for (const arm of arms) {
      for (let i = 0; i < LOOK_EVERY; i++) {
        const y = 10 + 3 * r.normal();
        arm.n++;
        arm.sum += y;
        arm.sumSquares += y * y;
      }
    }
    const [a, b] = arms as [SampleStats, SampleStats];
    const fixed = compare(a, b, { alpha: ALPHA });
    const sequential = compare(a, b, { alpha: ALPHA, sequential: { tuning: 5000 } });
    if (fixed.pValue < ALPHA) fixedPeeking = true;
    if (sequential.pValue < ALPHA) sequentialPeeking = true;
    if (look === LOOKS) fixedAtEnd = fixed.pValue < ALPHA;
  }
  return { fixedAtEnd, fixedPeeking, sequentialPeeking };
}

describe(`A/A simulation: ${EXPERIMENTS} experiments, a look every ${LOOK_EVERY} units per arm`, () => {
  const r = rng(20261121);
  const outcomes = Array.from({ length: EXPERIMENTS }, () => runExperiment(r));
  const rate = (key: keyof Outcome) => outcomes.filter((o) => o[key]).length / EXPERIMENTS;

  it("fixed horizon, analysed once at the planned sample: false-positive rate between 4% and 6%", () => {
    const fpr = rate("fixedAtEnd");
    console.info("fixed horizon, one look:", fpr);
    expect(fpr).toBeGreaterThanOrEqual(0.04);
    expect(fpr).toBeLessThanOrEqual(0.06);
  });

  it("sequential, stopping at the first significant look: at most 5%", () => {
    const fpr = rate("sequentialPeeking");
    console.info("sequential, 10 looks:", fpr);
    expect(fpr).toBeLessThanOrEqual(0.05);
  });

  it("fixed horizon under the same peeking: more than 5% (this is why sequential testing exists)", () => {
    const fpr = rate("fixedPeeking");
    console.info("fixed horizon, 10 looks:", fpr);
    expect(fpr).toBeGreaterThan(0.05);
    expect(fpr).toBeGreaterThan(2 * rate("fixedAtEnd"));
  });
});
