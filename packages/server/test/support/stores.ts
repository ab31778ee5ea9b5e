import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext, type ExperimentDefinition } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { type ExperimentPlan, evaluate } from "@assay/stats";
import type { DashboardReport, DashboardSource, OpenSource } from "../../src/index.js";

const TWO = `variants = [
  { id = "control",   weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]`;

/** Experiments with known data: a ship, a guardrail breach, an SRM, 3 arms, a 0-unit arm, none, off. */
export const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "ship_test"
dimensions = ["country", "platform"]
${TWO}

[plugins.experiments.analysis]
primary = [{ metric = "checkout", direction = "increase" }]
secondary = [{ metric = "revenue", scale = "absolute" }]
guardrails = [{ metric = "errors", direction = "decrease" }]
minimum_sample = 400

[[plugins.experiments]]
id = "breach_test"
${TWO}
analysis = { primary = ["checkout"], guardrails = [{ metric = "errors", direction = "decrease" }], minimum_sample = 400 }

[[plugins.experiments]]
id = "srm_test"
dimensions = ["country"]
${TWO}
analysis = { primary = ["checkout"], minimum_sample = 400 }

[[plugins.experiments]]
id = "three_arms"
variants = [
  { id = "control", weight = 34, is_control = true },
  { id = "blue", weight = 33 },
  { id = "green", weight = 33 },
]
analysis = { primary = ["checkout"], secondary = [{ metric = "revenue", scale = "absolute" }], minimum_sample = 1000 }

[[plugins.experiments]]
id = "zero_arm"
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
  { id = "late", weight = 0 },
]
analysis = { primary = ["checkout"], minimum_sample = 400 }

[[plugins.experiments]]
id = "empty_test"
${TWO}
analysis = { primary = ["checkout"], sequential = true }

[[plugins.experiments]]
id = "switched_off"
enabled = false
${TWO}
`;

interface Arm {
  readonly units: number;
  readonly checkout: number;
  readonly errors: number;
  readonly revenue: (i: number) => number;
}

const rate = (units: number, checkout: number, errors = 0.02): Arm => ({
  units,
  checkout,
  errors,
  revenue: (i) => (i * 37) % 100,
});

/** Deterministic data: the i-th unit of an arm is exposed on day i mod DAYS; the first units convert. */
export const DATA: Record<string, Record<string, Arm>> = {
  ship_test: { control: rate(700, 0.1), treatment: rate(700, 0.2) },
  breach_test: { control: rate(600, 0.1, 0.02), treatment: rate(600, 0.2, 0.1) },
  srm_test: { control: rate(500, 0.1), treatment: rate(650, 0.12) },
  three_arms: { control: rate(420, 0.1), blue: rate(420, 0.14), green: rate(420, 0.1) },
  zero_arm: { control: rate(500, 0.1), treatment: rate(500, 0.11) },
};

/** Days the data spans, so the trend chart has this many points per treatment. */
export const DAYS = 7;
const START = Date.UTC(2026, 10, 2);

/** A temp folder with the manifest, its default SQLite store filled with DATA. Returns the manifest path. */
export async function seededManifest(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "assay-server-"));
  const manifest = join(dir, "assay.toml");
  writeFileSync(manifest, MANIFEST);
  const assay = await createAssay({ manifest, handleSignals: false });
  const pending: Promise<void>[] = [];
  for (const [experiment, arms] of Object.entries(DATA)) {
    for (const [variantId, arm] of Object.entries(arms)) {
      for (let i = 0; i < arm.units; i++) {
        // a country on every unit (recorded with the exposure where the experiment declares it), no platform:
        // the first 500 of an arm in DE, FR or US, the rest in BR (so srm_test's extra treatment units all are)
        const ctx = ExperimentContext.forUser(`${experiment}-${variantId}-${i}`).withAttribute(
          "country",
          i < 500 ? ["DE", "FR", "US"][i % 3]! : "BR",
        );
        const at = START + (i % DAYS) * 86_400_000 + i * 1000;
        const variant = {
          experiment,
          variantId,
          isControl: variantId === "control",
          inExperiment: true,
          reason: "hash",
        } as const;
        pending.push(assay.expose(variant, ctx, { timestamp: new Date(at) }));
        const after = { timestamp: new Date(at + 500) };
        if (i % 100 < arm.checkout * 100) pending.push(assay.track(experiment, "checkout", true, ctx, after));
        if (i % 100 < arm.errors * 100) pending.push(assay.track(experiment, "errors", true, ctx, after));
        const revenue = arm.revenue(i);
        if (revenue !== 0) pending.push(assay.track(experiment, "revenue", revenue, ctx, after));
      }
    }
  }
  await Promise.all(pending);
  await assay.flush();
  await assay.close();
  return manifest;
}

/** The plan the manifest declares for `definition` (config puts it ready for `evaluate`). */
export function planOf(definition: ExperimentDefinition): ExperimentPlan | undefined {
  return (definition as { analysis?: ExperimentPlan }).analysis;
}

/**
 * A source over the manifest's store whose report is `evaluate` of the declared plan: what the CLI's
 * `reportOf` does for planned experiments (the CLI's own test compares the JSON twin with `assay results
 * --json` itself). Unplanned experiments get a minimal report with decision "none".
 */
export function openerFor(manifest: string): OpenSource {
  return async (): Promise<DashboardSource> => {
    const assay = await createAssay({ manifest, handleSignals: false });
    return {
      storeName: assay.store.name,
      experiments: () => assay.experiments(),
      summarize: (id, options) => assay.summarize(id, options),
      report: (definition, summary) => {
        const plan = planOf(definition);
        // with the summary's scope, as the CLI's reportOf gives it
        if (plan !== undefined)
          return { ...evaluate(plan, summary), scope: summary.scope } as DashboardReport;
        const control = definition.variants.find((v) => v.isControl)?.id ?? "control";
        const weights = Object.fromEntries(definition.variants.map((v) => [v.id, v.weight]));
        const { decision: _d, ...rest } = evaluate(
          { control, primary: [{ metric: "checkout" }], weights },
          summary,
        );
        return { ...rest, exploratory: true, decision: "none" } as DashboardReport;
      },
      close: () => assay.close(),
    };
  };
}
