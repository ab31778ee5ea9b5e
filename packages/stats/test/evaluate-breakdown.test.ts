import {
  type BreakdownSummary,
  type ExperimentSummary,
  type StoredEvent,
  statsOfValues,
  summarizeEvents,
} from "@assay/core";
import { describe, expect, it } from "vitest";
import { evaluate } from "../src/index.js";
import { rng } from "./helpers.js";

const plan = {
  control: "control",
  weights: { control: 1, treatment: 1 },
  primary: [{ metric: "conv", type: "proportion" as const, scale: "absolute" as const }],
  secondary: [{ metric: "rev", scale: "absolute" as const }],
  minimumSample: 100,
};

/**
 * An A/A summary cut into `slices` slices of `perSlice` units each (each unit in control or treatment with
 * probability `split`, its conversion Bernoulli(0.2), its revenue normal(50, 20) when it converts).
 */
function simulated(seed: number, slices: number, perSlice: number, split = 0.5): ExperimentSummary {
  const r = rng(seed);
  const sliceSummaries = Array.from({ length: slices }, (_, s) => {
    const values = {
      control: { conv: [] as number[], rev: [] as number[] },
      treatment: { conv: [] as number[], rev: [] as number[] },
    };
    for (let u = 0; u < perSlice; u++) {
      const arm = r.uniform() < split ? values.control : values.treatment;
      const converted = r.uniform() < 0.2 ? 1 : 0;
      arm.conv.push(converted);
      arm.rev.push(converted === 1 ? 50 + 20 * r.normal() : 0);
    }
    const variants = (["control", "treatment"] as const).map((variantId) => ({
      variantId,
      exposedUnits: values[variantId].conv.length,
      exposures: values[variantId].conv.length,
    }));
    const metric = (name: "conv" | "rev", kind: "bool" | "numeric") => ({
      metric: name,
      kind,
      variants: (["control", "treatment"] as const).map((variantId) => ({
        variantId,
        ...statsOfValues(values[variantId][name]),
      })),
    });
    return { value: `s${s}`, variants, metrics: [metric("conv", "bool"), metric("rev", "numeric")] };
  });
  const sum = (f: (v: BreakdownSummary["slices"][number]["variants"][number]) => number, id: string) =>
    sliceSummaries.reduce((n, s) => n + f(s.variants.find((v) => v.variantId === id)!), 0);
  return {
    experiment: "e",
    variants: ["control", "treatment"].map((variantId) => ({
      variantId,
      exposedUnits: sum((v) => v.exposedUnits, variantId),
      exposures: sum((v) => v.exposures, variantId),
    })),
    // the whole population's metrics are not what this test reads: the slices' first ones stand in
    metrics: sliceSummaries[0]!.metrics,
    unitsInSeveralVariants: 0,
    unattributedOutcomes: 0,
    breakdown: { dimension: "country", slices: sliceSummaries },
  };
}

describe("evaluate: breakdowns", () => {
  it("evaluates every slice with the plan, an SRM check per slice, and states the multiple-comparison caveat", () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    const events: StoredEvent[] = [];
    for (let u = 0; u < 2400; u++) {
      // DE splits 50/50; in FR the treatment lost a third of its units (a slice-only SRM); some units carry no country
      const country = u % 3 === 0 ? "DE" : u % 3 === 1 ? "FR" : undefined;
      const variantId = u % 2 === 0 ? "control" : "treatment";
      if (country === "FR" && variantId === "treatment" && u % 9 === 1) continue;
      const userId = `u${u}`;
      events.push({
        type: "exposure",
        eventId: `x${u}`,
        experiment: "e",
        variantId,
        userId,
        timestamp: at,
        ...(country === undefined ? {} : { dimensions: { country } }),
      });
      if (u % 5 === 0)
        events.push({
          type: "outcome",
          eventId: `o${u}`,
          experiment: "e",
          metric: "conv",
          value: { kind: "bool", value: true },
          userId,
          timestamp: at,
        });
      events.push({
        type: "outcome",
        eventId: `r${u}`,
        experiment: "e",
        metric: "rev",
        value: { kind: "numeric", value: u % 7 },
        userId,
        timestamp: at,
      });
    }
    const summary = summarizeEvents(events, { experiment: "e", breakdown: "country" });
    const report = evaluate(plan, summary);
    const b = report.breakdown!;
    expect(b.dimension).toBe("country");
    expect(b.slices.map((s) => s.value)).toEqual(["DE", "FR", null]);
    expect(b.slices.map((s) => s.srm.mismatch)).toEqual([false, true, false]);
    expect(b.slices.map((s) => s.units)).toEqual([800, 800 - 134, 800]);
    expect(b.tests).toBe(3 * 2); // 3 slices x 2 metrics x 1 treatment
    expect(b.slicesTested).toBe(3);
    expect(b.metricsTested).toBe(2);
    expect(b.caveat).toMatch(/^6 tests across 3 slices of country × 2 metrics/);
    expect(b.caveat).toMatch(/exploratory/);
    const results = b.slices.flatMap((s) => s.treatments.flatMap((t) => t.metrics));
    for (const m of results) expect(m.breakdownAdjustedPValue).toBeGreaterThanOrEqual(m.pValue);
    // the whole report's decision does not read the slices
    const { breakdown: _cut, ...whole } = summary;
    expect(evaluate(plan, whole).decision).toBe(report.decision);
  });

  it("is none without a breakdown in the summary", () => {
    const summary = simulated(1, 2, 400);
    const { breakdown: _, ...whole } = summary;
    expect(evaluate(plan, whole).breakdown).toBeUndefined();
  });

  it("keeps A/A false positives across slices at alpha with the adjustment (2,000 runs, fixed seed)", () => {
    // 5 slices × 2 metrics = 10 tests per run (revenue is 0 unless a unit converts, so the two metrics of a
    // slice are correlated): unadjusted, about 29% of A/A runs show some slice "significant" (1 − 0.95^10 ≈
    // 40% if they were independent); Holm-adjusted, at most alpha (5%).
    const runs = 2000;
    let anyRaw = 0;
    let anyAdjusted = 0;
    let srmAlarms = 0;
    for (let run = 0; run < runs; run++) {
      const b = evaluate(plan, simulated(1000 + run, 5, 400)).breakdown!;
      const metrics = b.slices.flatMap((s) => s.treatments.flatMap((t) => t.metrics));
      if (metrics.some((m) => m.warning === undefined && m.pValue < 0.05)) anyRaw++;
      if (metrics.some((m) => m.significant)) anyAdjusted++;
      srmAlarms += b.slices.filter((s) => s.srm.mismatch).length;
    }
    const raw = anyRaw / runs;
    const adjusted = anyAdjusted / runs;
    expect(raw).toBeGreaterThan(0.2);
    expect(adjusted).toBeLessThanOrEqual(0.06);
    expect(adjusted).toBeGreaterThan(0.02);
    // the per-slice SRM check at its threshold (p < 0.001) on fair splits: about 1 alarm per 1,000 slices
    expect(srmAlarms / (runs * 5)).toBeLessThan(0.003);
    console.log(
      `breakdown A/A: any raw p < 0.05 in ${raw}, any adjusted in ${adjusted}, SRM alarms ${srmAlarms}/${runs * 5}`,
    );
  });

  it("flags the slice whose split is off, in 2,000 runs (fixed seed)", () => {
    let flagged = 0;
    for (let run = 0; run < 2000; run++) {
      const summary = simulated(5000 + run, 1, 2000, 0.56); // a 56/44 split in a 50/50 plan
      if (evaluate(plan, summary).breakdown!.slices[0]!.srm.mismatch) flagged++;
    }
    expect(flagged / 2000).toBeGreaterThan(0.8);
    console.log(`breakdown SRM power at 56/44 over 2,000 units: ${flagged / 2000}`);
  });
});
