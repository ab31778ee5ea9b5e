import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "search"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]

[plugins.experiments.analysis]
primary = [{ metric = "latency_p90", scale = "absolute" }]
secondary = [{ metric = "revenue_p50", scale = "absolute" }]
minimum_sample = 50

[[metrics]]
name = "latency_p90"
outcome = "latency_ms"
kind = "quantile"
quantile = 0.9
ignore_zeros = true
direction = "decrease"

[[metrics]]
name = "revenue_p50"
outcome = "revenue"
kind = "quantile"
quantile = 0.5
`;

/** The nearest-rank p-quantile, ⌈p·n⌉-th smallest. */
const nearestRank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1]!;

describe("assay results with quantile [[metrics]], from the SQLite store", () => {
  it("asks the store for the plan's quantiles, tests them and says how they were computed", async () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const at = Date.UTC(2026, 10, 1, 12);
    const latency = { control: [] as number[], treatment: [] as number[] };
    const revenue = { control: [] as number[], treatment: [] as number[] };
    const records: Promise<void>[] = [];
    for (let u = 0; u < 400; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const ctx = ExperimentContext.forUser(`u${u}`);
      records.push(
        assay.expose(
          {
            experiment: "search",
            variantId,
            isControl: variantId === "control",
            inExperiment: true,
            reason: "hash",
          },
          ctx,
          { timestamp: new Date(at) },
        ),
      );
      // every tenth unit never searched: no latency (left out with ignore_zeros); two requests each otherwise
      let total = 0;
      if (u % 10 !== 3) {
        for (let k = 0; k < 2; k++) {
          const ms = 50 + ((u * 37 + k * 101) % 200) + (variantId === "treatment" ? 40 : 0);
          total += ms;
          records.push(assay.track("search", "latency_ms", ms, ctx, { timestamp: new Date(at + 1000 + k) }));
        }
        latency[variantId].push(total);
      }
      // revenue: half the units buy nothing (their 0 counts for the p50)
      const spend = u % 4 < 2 ? 0 : 5 + (u % 13);
      if (spend > 0)
        records.push(assay.track("search", "revenue", spend, ctx, { timestamp: new Date(at + 2000) }));
      revenue[variantId].push(spend);
    }
    await Promise.all(records);
    await assay.close();

    const result = cli(["results", "search", "--json"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [p90, p50] = JSON.parse(result.stdout).treatments[0].metrics;
    expect(p90).toMatchObject({
      metric: "latency_p90",
      controlUnits: latency.control.length,
      treatmentUnits: latency.treatment.length,
      controlMean: nearestRank(latency.control, 0.9),
      treatmentMean: nearestRank(latency.treatment, 0.9),
      estimate: nearestRank(latency.treatment, 0.9) - nearestRank(latency.control, 0.9),
      quantile: { probability: 0.9, ignoreZeros: true, confidence: 0.95 },
      verdict: "loss",
    });
    expect(p90.quantile.control.lower).toBeLessThanOrEqual(p90.controlMean);
    expect(p90.quantile.control.upper).toBeGreaterThanOrEqual(p90.controlMean);
    expect(p90.ci[0]).toBeGreaterThan(0);
    expect(p50).toMatchObject({
      metric: "revenue_p50",
      controlUnits: 200,
      controlMean: nearestRank(revenue.control, 0.5),
      treatmentMean: nearestRank(revenue.treatment, 0.5),
      quantile: { probability: 0.5, ignoreZeros: false },
    });
    const text = cli(["results", "search"], { cwd: dir }).stdout;
    expect(text).toContain(
      "latency_p90: p90 of nonzero per-unit values (units without one left out), 95% order-statistic interval: control",
    );
    expect(text).toMatch(
      /revenue_p50: p50 of per-unit values, 95% order-statistic interval: control [\d.]+ \[/,
    );
  });
});
