// The budget: evaluate() of 3 arms × 20 metrics under 1 ms. `pnpm bench` prints the figures;
// this keeps a regression from slipping through CI (median, so a busy machine's hiccups don't count).
import type { ExperimentSummary, MetricSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { type ExperimentPlan, evaluate } from "../src/index.js";

const N = 250_000;
const arms = ["control", "a", "b"];
const metrics: MetricSummary[] = Array.from({ length: 20 }, (_, k) => ({
  metric: `m${k}`,
  kind: k % 2 === 0 ? "bool" : "numeric",
  variants: arms.map((variantId, i) => {
    const mean = k % 2 === 0 ? 0.1 + 0.002 * i : 20 + 0.05 * i * k;
    const sum = k % 2 === 0 ? Math.round(N * mean) : N * mean;
    return { variantId, n: N, sum, sumSquares: k % 2 === 0 ? sum : (N - 1) * 400 + sum * mean };
  }),
}));
const summary: ExperimentSummary = {
  experiment: "bench",
  variants: arms.map((variantId) => ({ variantId, exposedUnits: N, exposures: N })),
  metrics,
  unitsInSeveralVariants: 0,
  unattributedOutcomes: 0,
};
const names = metrics.map((m) => ({ metric: m.metric }));
const plan: ExperimentPlan = {
  control: "control",
  primary: names.slice(0, 1),
  secondary: names.slice(1, 16),
  guardrails: names.slice(16),
  minimumSample: 1000,
};

describe("evaluate performance", () => {
  for (const [label, p] of [
    ["fixed", plan],
    ["sequential", { ...plan, sequential: { tuning: 5000 } }],
  ] as const) {
    it(`${label}: 3 arms × 20 metrics in under 1 ms (median of 300)`, () => {
      for (let i = 0; i < 50; i++) evaluate(p, summary);
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        const report = evaluate(p, summary);
        times.push(performance.now() - t);
        expect(report.treatments).toHaveLength(2);
      }
      times.sort((x, y) => x - y);
      const median = times[times.length >> 1] ?? Number.POSITIVE_INFINITY;
      console.info(`evaluate ${label}: median ${(median * 1000).toFixed(0)} µs`);
      expect(median).toBeLessThan(1);
    });
  }
});
