import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext, type ExperimentDefinition } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { evaluate } from "@assay/stats";
import { describe, expect, it } from "vitest";
import { buildDashboardApp, type DashboardReport, type DashboardSource } from "../src/index.js";
import { planOf } from "./support/stores.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "latency_test"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
analysis = { primary = [{ metric = "latency_p90", scale = "absolute" }], minimum_sample = 100 }

[[metrics]]
name = "latency_p90"
outcome = "latency_ms"
kind = "quantile"
quantile = 0.9
ignore_zeros = true
direction = "decrease"
`;

describe("the experiment page with a quantile metric", () => {
  it("labels the arms' columns with the quantile and says how it was computed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-server-quantile-"));
    const manifest = join(dir, "assay.toml");
    writeFileSync(manifest, MANIFEST);
    const seed = await createAssay({ manifest, handleSignals: false });
    const at = Date.UTC(2026, 10, 2);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 600; i++) {
      const variantId = i % 2 === 0 ? "control" : "treatment";
      const ctx = ExperimentContext.forUser(`u${i}`);
      const variant = {
        experiment: "latency_test",
        variantId,
        isControl: i % 2 === 0,
        inExperiment: true,
        reason: "hash",
      } as const;
      pending.push(seed.expose(variant, ctx, { timestamp: new Date(at + i * 1000) }));
      const ms = 80 + ((i * 53) % 240) + (variantId === "treatment" ? 30 : 0);
      pending.push(
        seed.track("latency_test", "latency_ms", ms, ctx, { timestamp: new Date(at + i * 1000 + 500) }),
      );
    }
    await Promise.all(pending);
    await seed.close();
    // the source asks for the plan's quantiles, as the CLI's serve does (plannedQueries)
    const open = async (): Promise<DashboardSource> => {
      const assay = await createAssay({ manifest, handleSignals: false });
      const quantiles = (definition: ExperimentDefinition | undefined) =>
        (planOf(definition!)?.primary ?? []).flatMap((m) =>
          m.quantile === undefined ? [] : [{ metric: m.outcome ?? m.metric, ...m.quantile }],
        );
      return {
        storeName: assay.store.name,
        experiments: () => assay.experiments(),
        summarize: (id, options) =>
          assay.summarize(id, {
            ...options,
            quantiles: quantiles(assay.experiments().find((e) => e.id === id)),
          }),
        report: (definition, summary) => evaluate(planOf(definition)!, summary) as DashboardReport,
        close: () => assay.close(),
      };
    };
    const app = await buildDashboardApp({ open });
    try {
      const api = (await app.inject("/api/experiments/latency_test")).json() as DashboardReport;
      const metric = api.treatments[0]!.metrics[0]!;
      expect(metric).toMatchObject({
        metric: "latency_p90",
        quantile: { probability: 0.9, ignoreZeros: true },
      });
      expect(metric.verdict).not.toBe("insufficient-data");
      const page = (await app.inject("/experiments/latency_test")).body;
      expect(page).toContain('<th class="num">control p90</th><th class="num">p90</th>');
      expect(page).toContain(`data-label="control p90">${metric.controlMean}`);
      expect(page).toContain(
        "p90 of the nonzero per-unit values (units without one left out): each arm's quantile",
      );
      expect(page).toContain("95% order-statistic interval");
      expect(page).toContain('data-chart="interval" data-metric="latency_p90"');
    } finally {
      await app.close();
    }
  }, 60_000);
});
