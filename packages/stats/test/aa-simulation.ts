// A/A experiments on three kinds of metric, simulated unit by unit with running sums (no per-unit
// arrays), tested both sequentially at regular looks and at fixed horizons along the way.
import { type CompareOptions, compare, type SampleStats } from "../src/index.js";
import { rng } from "./helpers.js";

export type Scenario = "conversion" | "normal" | "revenue";

/**
 * The units of one arm as a stream of its non-zero values: 5% conversion (value 1); N(10, 3²) (every
 * unit); revenue with 90% zeros and lognormal(0, σ=2) otherwise. Zeros add nothing to Σy and Σy², so
 * the stream jumps from one non-zero unit to the next with a geometric gap (the same distribution as
 * drawing every unit, 10–20 times fewer draws).
 */
function arrivals(scenario: Scenario, r: ReturnType<typeof rng>) {
  const share = scenario === "conversion" ? 0.05 : scenario === "revenue" ? 0.1 : 1;
  const logMiss = Math.log1p(-share);
  const value =
    scenario === "conversion"
      ? () => 1
      : scenario === "normal"
        ? () => 10 + 3 * r.normal()
        : () => Math.exp(2 * r.normal());
  const gap = share === 1 ? () => 1 : () => 1 + Math.floor(Math.log(1 - r.uniform()) / logMiss);
  return { value, gap };
}

/** A test applied to the two arms; true when it rejects the null. */
export interface Check {
  readonly name: string;
  readonly options: CompareOptions;
}

export interface AaPlan {
  readonly scenario: Scenario;
  readonly experiments: number;
  readonly seed: number;
  /** Sequential checks, applied every `lookEvery` units per arm up to `maxPerArm`. */
  readonly sequential: readonly Check[];
  readonly lookEvery: number;
  readonly maxPerArm: number;
  /** Fixed-horizon checks, applied once at each of these per-arm sizes. */
  readonly fixed: readonly Check[];
  readonly horizons: readonly number[];
}

/** Rejection rates: sequential by check name (rejected at any look); fixed by `${name}@${n}`. */
export function simulateAa(plan: AaPlan): Map<string, number> {
  const r = rng(plan.seed);
  const stream = arrivals(plan.scenario, r);
  const type = plan.scenario === "conversion" ? "proportion" : "mean";
  const counts = new Map<string, number>();
  const hit = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const horizons = new Set(plan.horizons);
  const checkpoints = new Set(plan.horizons);
  for (let n = plan.lookEvery; n <= plan.maxPerArm && plan.sequential.length > 0; n += plan.lookEvery) {
    checkpoints.add(n);
  }
  const stops = [...checkpoints].sort((x, y) => x - y);
  for (let e = 0; e < plan.experiments; e++) {
    const arms = [0, 1].map(() => ({ n: 0, sum: 0, sumSquares: 0, next: stream.gap() }));
    const [a, b] = arms as [(typeof arms)[0], (typeof arms)[0]];
    const rejected = new Set<string>();
    for (const n of stops) {
      for (const arm of arms) {
        while (arm.next <= n) {
          const y = stream.value();
          arm.sum += y;
          arm.sumSquares += y * y;
          arm.next += stream.gap();
        }
        arm.n = n;
      }
      if (horizons.has(n)) {
        for (const c of plan.fixed) {
          if (rejects(a, b, type, c)) hit(`${c.name}@${n}`);
        }
      }
      if (n % plan.lookEvery === 0) {
        for (const c of plan.sequential) {
          if (!rejected.has(c.name) && rejects(a, b, type, c)) rejected.add(c.name);
        }
      }
    }
    for (const name of rejected) hit(name);
  }
  const rates = new Map<string, number>();
  for (const c of plan.sequential) rates.set(c.name, (counts.get(c.name) ?? 0) / plan.experiments);
  for (const c of plan.fixed) {
    for (const n of plan.horizons) {
      rates.set(`${c.name}@${n}`, (counts.get(`${c.name}@${n}`) ?? 0) / plan.experiments);
    }
  }
  return rates;
}

function rejects(a: SampleStats, b: SampleStats, type: "proportion" | "mean", c: Check): boolean {
  const alpha = c.options.alpha ?? 0.05;
  return compare(a, b, { type, ...c.options }).pValue < alpha;
}

/** Both scales × two-sided and both one-sided alternatives. */
export function checksOf(base: CompareOptions): Check[] {
  const out: Check[] = [];
  for (const scale of ["relative", "absolute"] as const) {
    for (const sides of ["two", "greater", "less"] as const) {
      out.push({ name: `${scale}/${sides}`, options: { ...base, scale, sides } });
    }
  }
  return out;
}
