// Benchmark: evaluate() on 3 arms × 20 metrics (1 primary, 15 secondary, 4 guardrails), against the
// built package. Target: under 1 ms per report. Run: pnpm --filter @assay/stats bench (after build).
import { performance } from "node:perf_hooks";
import { evaluate } from "../dist/index.js";

const N = 250_000;
const arms = ["control", "a", "b"];
const metrics = [];
for (let k = 0; k < 20; k++) {
  const bool = k % 2 === 0;
  metrics.push({
    metric: `m${k}`,
    kind: bool ? "bool" : "numeric",
    variants: arms.map((variantId, i) => {
      const mean = bool ? 0.1 + 0.002 * i : 20 + 0.05 * i * k;
      const sum = N * mean;
      return {
        variantId,
        n: N,
        sum: bool ? Math.round(sum) : sum,
        sumSquares: bool ? Math.round(sum) : (N - 1) * 400 + sum * mean,
      };
    }),
  });
}
const summary = {
  experiment: "bench",
  variants: arms.map((variantId) => ({ variantId, exposedUnits: N, exposures: N })),
  metrics,
  unitsInSeveralVariants: 0,
  unattributedOutcomes: 0,
};
const names = metrics.map((m) => ({ metric: m.metric }));
const plans = {
  fixed: {
    control: "control",
    primary: names.slice(0, 1),
    secondary: names.slice(1, 16),
    guardrails: names.slice(16),
    minimumSample: 1000,
  },
};
plans.sequential = { ...plans.fixed, sequential: { tuning: 5000 } };

let failed = false;
for (const [name, plan] of Object.entries(plans)) {
  for (let i = 0; i < 200; i++) evaluate(plan, summary); // warm up
  const times = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    evaluate(plan, summary);
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  const median = times[times.length >> 1];
  const p95 = times[Math.floor(times.length * 0.95)];
  console.log(
    `evaluate ${name}, 3 arms × 20 metrics: median ${(median * 1000).toFixed(0)} µs, mean ${(mean * 1000).toFixed(0)} µs, p95 ${(p95 * 1000).toFixed(0)} µs`,
  );
  if (median >= 1) failed = true;
}
if (failed) {
  console.error("evaluate is over the 1 ms budget");
  process.exit(1);
}
