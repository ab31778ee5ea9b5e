import type { ExperimentEntry } from "@assay/config";
import type { ExperimentSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { formatEffect, formatP, renderReport, reportOf } from "../src/commands/report.js";

const definition: ExperimentEntry = {
  id: "exp",
  unit: "user",
  traffic: 1,
  enabled: true,
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "treatment", weight: 1, isControl: false },
  ],
};

const empty: ExperimentSummary = {
  experiment: "exp",
  variants: [],
  metrics: [],
  unitsInSeveralVariants: 0,
  unattributedOutcomes: 0,
};

describe("report formatting", () => {
  it("prints infinite CI bounds as ∞, effects with their sign, tiny p-values in exponent form", () => {
    expect(formatEffect(Number.POSITIVE_INFINITY, "relative")).toBe("∞");
    expect(formatEffect(Number.NEGATIVE_INFINITY, "absolute")).toBe("-∞");
    expect(formatEffect(0.12345, "relative")).toBe("+12.35%");
    expect(formatEffect(-0.5, "relative")).toBe("-50.00%");
    expect(formatEffect(-3.21456, "absolute")).toBe("-3.215");
    expect(formatEffect(1234.5678, "absolute")).toBe("+1235");
    expect(formatP(0.04999)).toBe("0.0500");
    expect(formatP(0.000123)).toBe("0.0001");
    expect(formatP(0.0000123)).toBe("1.2e-5");
    expect(formatP(1e-150)).toBe("1.0e-150");
  });
});

describe("before any event", () => {
  it("with a plan: every metric lacks data, the sample is not reached, the decision is continue", () => {
    const planned: ExperimentEntry = {
      ...definition,
      analysis: {
        control: "control",
        primary: [{ metric: "checkout" }],
        guardrails: [{ metric: "errors", direction: "decrease" }],
        minimumSample: 100,
        weights: { control: 1, treatment: 1 },
      },
    };
    const report = reportOf(planned, empty, undefined);
    expect(report.decision).toBe("continue");
    const text = renderReport(report);
    expect(text).toContain("sample: control 0, treatment 0 units; planned 100 per arm: not reached (0%)");
    expect(text).toMatch(
      /^checkout\s+primary\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+insufficient data \(metric-not-recorded\)$/m,
    );
    expect(text).toMatch(/^errors\s+guardrail\s+-\s+-/m);
    expect(text).toContain("decision: CONTINUE");
  });

  it("without a plan: the arms and the SRM check, no metric, no decision", () => {
    const report = reportOf(definition, empty, undefined);
    expect(report).toMatchObject({
      exploratory: true,
      decision: "none",
      arms: [
        { variant: "control", units: 0, weight: 0.5 },
        { variant: "treatment", units: 0, weight: 0.5 },
      ],
      srm: { pValue: 1, mismatch: false },
      treatments: [{ variant: "treatment", metrics: [] }],
    });
    const text = renderReport(report);
    expect(text).toContain("no metric recorded yet");
    expect(text).toContain("decision: none: no analysis plan in the manifest");
  });
});
