import type { EventStore, MetricStats, StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import type { EventStoreHarness } from "./event-store-suite.js";

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 4, 1);

/**
 * Per-variant sums that survive large means: a metric that is the same large value for every unit has a
 * variance of exactly 0, and a value with sd 0.01 around 1e6 keeps its sd within 1e-6 relative. Naive running
 * sums of v and v² cannot do either (sd 0.01 around 1e6 is 1e-16 of the mean's square, below double precision).
 * The events go in several batches, some units' values are split over two days, and some units move to the
 * other variant through a late earlier exposure, so a store's incremental path (contributions taken out and
 * put back) is exercised. `units` is the number of units per experiment.
 */
export function testSummaryNumerics(name: string, harness: EventStoreHarness, units = 6000): void {
  const open = async (): Promise<EventStore> => {
    const store = await harness.create();
    await store.init?.();
    return store;
  };
  const experimentId = (label: string) =>
    `num_${label}_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;

  describe(`${name}: summary numerics`, () => {
    // 1e8 as the brief has it; 3.3 and 1e8 + 0.1 are not sums of few powers of two, so their naive sums round
    it.each([1e8, 3.3, 1e8 + 0.1])(
      "gives a metric that is %d for every unit a variance of exactly 0",
      async (constant) => {
        const store = await open();
        const experiment = experimentId("const");
        const { events, values } = stream(experiment, units, () => constant, 0.5); // halves: exact, so every unit is the constant
        await appendInBatches(store, events);
        const summary = await store.summarize({ experiment, daily: true });
        const metric = summary.metrics.find((m) => m.metric === "value")!;
        expect(metric.variants.map((v) => v.n)).toEqual(variantCounts(values));
        for (const stats of metric.variants) {
          expect(stats.sumSquaredDeviations).toBe(0);
          expect(variance(stats)).toBe(0);
          expect(Math.abs(stats.sum / stats.n / constant - 1)).toBeLessThan(1e-15);
        }
        const last = summary.daily?.at(-1)?.metrics.find((m) => m.metric === "value");
        expect(last?.variants.length).toBe(2);
        for (const stats of last?.variants ?? []) expect(stats.sumSquaredDeviations).toBe(0);
        await store.close?.();
      },
    );

    it("keeps the sd of values with sd 0.01 around 1e6 within 1e-6 relative", async () => {
      const store = await open();
      const experiment = experimentId("sd");
      const normal = gaussian(20260501);
      const { events, values } = stream(experiment, units, () => 1e6 + 0.01 * normal(), 0.4);
      await appendInBatches(store, events);
      const summary = await store.summarize({ experiment, daily: true });
      const metric = summary.metrics.find((m) => m.metric === "value")!;
      const last = summary.daily?.at(-1)?.metrics.find((m) => m.metric === "value");
      expect(last?.variants.length).toBe(2);
      for (const [i, variantId] of ["a", "b"].entries()) {
        const reference = moments(values.get(variantId)!);
        for (const stats of [metric.variants[i]!, last!.variants[i]!]) {
          expect(stats.variantId).toBe(variantId);
          expect(stats.n).toBe(reference.n);
          expect(Math.abs(stats.sum / stats.n / reference.mean - 1)).toBeLessThan(1e-12);
          expect(Math.abs(Math.sqrt(variance(stats)) / reference.sd - 1)).toBeLessThan(1e-6);
        }
      }
      await store.close?.();
    });
  });
}

/** The per-unit variance a consumer gets: from the centred moment when the store gives one, as the stats engine does. */
function variance(stats: MetricStats): number {
  const centred = stats.sumSquaredDeviations ?? stats.sumSquares - (stats.sum * stats.sum) / stats.n;
  return stats.n < 2 ? 0 : Math.max(centred, 0) / (stats.n - 1);
}

/**
 * One exposure per unit (variants a and b alternating) and its value as one outcome, or for every third unit as
 * two outcomes a day apart (`share` of it, then the rest); every 40th unit is then exposed to the other variant a minute before its first
 * exposure, which moves it there. Returns the events in arrival order and each variant's per-unit values.
 */
function stream(
  experiment: string,
  units: number,
  draw: () => number,
  share: number,
): { events: StoredEvent[]; values: Map<string, number[]> } {
  const early: StoredEvent[] = [];
  const late: StoredEvent[] = [];
  const values = new Map<string, number[]>([
    ["a", []],
    ["b", []],
  ]);
  for (let u = 0; u < units; u++) {
    const userId = `u${u}`;
    const first = u % 2 === 0 ? "a" : "b";
    const at = START + (u % 500) * 60_000 + 60_000;
    early.push({
      type: "exposure",
      eventId: `${experiment}-x${u}`,
      experiment,
      variantId: first,
      userId,
      timestamp: new Date(at),
    });
    const value = draw();
    const outcome = (suffix: string, v: number, time: number): StoredEvent => ({
      type: "outcome",
      eventId: `${experiment}-o${u}${suffix}`,
      experiment,
      metric: "value",
      value: { kind: "numeric", value: v },
      userId,
      timestamp: new Date(time),
    });
    let unitValue = value;
    if (u % 3 === 0) {
      // a share of the value one day, the rest the next: the unit's first day is far from the data
      const part = value * share;
      const rest = value - part;
      unitValue = part + rest; // what a store's sum of the two gives (3.3 · 0.4 + the rest is not 3.3)
      early.push(outcome("a", part, at + 1000), outcome("b", rest, at + DAY_MS));
    } else {
      early.push(outcome("", value, at + 1000));
    }
    const moved = u % 40 === 0;
    const variant = moved ? (first === "a" ? "b" : "a") : first;
    if (moved) {
      late.push({
        type: "exposure",
        eventId: `${experiment}-y${u}`,
        experiment,
        variantId: variant,
        userId,
        timestamp: new Date(at - 60_000),
      });
    }
    values.get(variant)!.push(unitValue);
  }
  return { events: [...early, ...late], values };
}

async function appendInBatches(store: EventStore, events: readonly StoredEvent[]): Promise<void> {
  const batch = Math.ceil(events.length / 5);
  for (let i = 0; i < events.length; i += batch) await store.append(events.slice(i, i + batch));
}

function variantCounts(values: ReadonlyMap<string, readonly number[]>): number[] {
  return [values.get("a")!.length, values.get("b")!.length];
}

/** Mean and sd by two passes with compensated sums: the reference the store is held to. */
function moments(values: readonly number[]): { n: number; mean: number; sd: number } {
  const n = values.length;
  const mean = compensatedSum(values) / n;
  const deviations = values.map((v) => v - mean);
  const shift = compensatedSum(deviations);
  const squares = compensatedSum(deviations.map((d) => d * d)) - (shift * shift) / n;
  return { n, mean, sd: Math.sqrt(squares / (n - 1)) };
}

/** Neumaier's compensated sum. */
function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (const v of values) {
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + compensation;
}

/** Standard normal draws (Box-Muller over a seeded mulberry32), so a failure reproduces. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (((x ^ (x >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
