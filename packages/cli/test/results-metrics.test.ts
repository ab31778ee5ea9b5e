import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { compareRatio } from "@assay/stats";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]

[plugins.experiments.analysis]
primary = [{ metric = "revenue_per_order", scale = "absolute" }]
secondary = [
  { metric = "revenue_capped", scale = "absolute" },
  { metric = "orders_1d", scale = "absolute" },
  { metric = "visits_cuped", scale = "absolute" },
]
minimum_sample = 50

[[metrics]]
name = "revenue_per_order"
kind = "ratio"
numerator = "revenue"
denominator = "orders"

[[metrics]]
name = "revenue_capped"
outcome = "revenue"
capping = { value = 20 }

[[metrics]]
name = "orders_1d"
outcome = "orders"
window = "1d"

[[metrics]]
name = "visits_cuped"
outcome = "visits"
cuped = true
pre_window = "7d"
`;

describe("assay results with [[metrics]]: ratio, capped and windowed, from the SQLite store", () => {
  it("asks the store for what each metric needs and tests it", async () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const at = Date.UTC(2026, 10, 1, 12);
    const arms = {
      control: { x: [] as number[], y: [] as number[], early: 0 },
      treatment: { x: [] as number[], y: [] as number[], early: 0 },
    };
    const records: Promise<void>[] = [];
    for (let u = 0; u < 200; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const ctx = ExperimentContext.forUser(`u${u}`);
      records.push(
        assay.expose(
          {
            experiment: "checkout",
            variantId,
            isControl: variantId === "control",
            inExperiment: true,
            reason: "hash",
          },
          ctx,
          { timestamp: new Date(at) },
        ),
      );
      let revenue = 0;
      const orders = u % 3;
      for (let k = 0; k < orders; k++) {
        const value = 10 + ((u * 11 + k * 5) % 17) + (variantId === "treatment" ? 4 : 0);
        revenue += value;
        // the second order comes two days later: outside the 1d window
        const when = { timestamp: new Date(at + (k === 0 ? 1000 : 2 * 86_400_000)) };
        if (k === 0) arms[variantId].early++;
        records.push(
          assay.track("checkout", "revenue", value, ctx, when),
          assay.track("checkout", "orders", 1, ctx, when),
        );
      }
      // visits: the same habit before (3 days before exposure) and after
      const habit = 1 + (u % 5);
      records.push(
        assay.track("checkout", "visits", habit, ctx, { timestamp: new Date(at - 3 * 86_400_000) }),
        assay.track("checkout", "visits", habit + (u % 2) + ((u * 7) % 3) * 0.5, ctx, {
          timestamp: new Date(at + 5000),
        }),
      );
      arms[variantId].x.push(revenue);
      arms[variantId].y.push(orders);
    }
    await Promise.all(records);
    await assay.close();

    const result = cli(["results", "checkout", "--json"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [ratio, capped, windowed, cuped] = JSON.parse(result.stdout).treatments[0].metrics;
    const stats = ({ x, y }: { x: number[]; y: number[] }) => ({
      n: x.length,
      sumNumerator: x.reduce((a, b) => a + b, 0),
      sumDenominator: y.reduce((a, b) => a + b, 0),
      sumNumeratorSquares: x.reduce((a, b) => a + b * b, 0),
      sumDenominatorSquares: y.reduce((a, b) => a + b * b, 0),
      sumProducts: x.reduce((a, b, i) => a + b * y[i]!, 0),
    });
    const expected = compareRatio(stats(arms.control), stats(arms.treatment), { scale: "absolute" });
    expect(ratio).toMatchObject({
      metric: "revenue_per_order",
      ratio: { numerator: "revenue", denominator: "orders" },
    });
    expect(ratio.estimate).toBeCloseTo(expected.estimate, 9);
    expect(ratio.pValue).toBeCloseTo(expected.pValue, 9);
    const cappedMean = (xs: number[]) => xs.reduce((a, b) => a + Math.min(b, 20), 0) / xs.length;
    expect(capped).toMatchObject({ metric: "revenue_capped", cap: 20, capping: { value: 20 } });
    expect(capped.controlMean).toBeCloseTo(cappedMean(arms.control.x), 12);
    expect(windowed).toMatchObject({ metric: "orders_1d", windowMs: 86_400_000 });
    expect(windowed.controlMean).toBeCloseTo(arms.control.early / 100, 12);
    expect(windowed.treatmentMean).toBeCloseTo(arms.treatment.early / 100, 12);
    // the habit explains nearly all of the visits: CUPED removes most of the variance
    expect(cuped).toMatchObject({ metric: "visits_cuped", cupedPreWindowMs: 7 * 86_400_000 });
    expect(cuped.varianceReduction).toBeGreaterThan(0.5);
    const text = cli(["results", "checkout"], { cwd: dir }).stdout;
    expect(text).toMatch(/visits_cuped: CUPED \(7d before first exposure\): variance −\d+%/);
    expect(text).toContain("revenue_capped: capped at 20 (fixed)");
    expect(text).toContain("orders_1d: outcomes within 1d of first exposure");
  });
});
