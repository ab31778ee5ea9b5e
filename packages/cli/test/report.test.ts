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

describe("what the report says about its numbers", () => {
  const N = 10_000;
  const bool = (variantId: string, k: number) => ({ variantId, n: N, sum: k, sumSquares: k });
  const numeric = (variantId: string, mean: number, variance: number) => ({
    variantId,
    n: N,
    sum: N * mean,
    sumSquares: (N - 1) * variance + N * mean * mean,
  });
  const summary = (
    metrics: ExperimentSummary["metrics"],
    arms = ["control", "treatment"],
  ): ExperimentSummary => ({
    experiment: "exp",
    variants: arms.map((variantId) => ({ variantId, exposedUnits: N, exposures: N })),
    metrics,
    unitsInSeveralVariants: 0,
    unattributedOutcomes: 0,
  });
  const planned = (analysis: NonNullable<ExperimentEntry["analysis"]>): ExperimentEntry => ({
    ...definition,
    analysis,
  });

  it("labels unadjusted CIs, a relative metric tested on the absolute scale, an unproven guardrail margin", () => {
    const entry = planned({
      control: "control",
      primary: [{ metric: "checkout" }],
      guardrails: [{ metric: "latency_ms", direction: "decrease", margin: 0.02 }],
      minimumSample: 100,
      weights: { control: 1, treatment: 1 },
    });
    const report = reportOf(
      entry,
      summary([
        { metric: "checkout", kind: "bool", variants: [bool("control", 0), bool("treatment", 50)] },
        {
          metric: "latency_ms",
          kind: "numeric",
          variants: [numeric("control", 300, 2500), numeric("treatment", 305, 2500)],
        },
      ]),
      undefined,
    );
    const text = renderReport(report);
    expect(text).toMatch(/^checkout\s+primary\s+0\.0000\s+0\.0050\s+\+0\.005 \(absolute: control mean 0\)/m);
    expect(text).toMatch(/^latency_ms\s+guardrail\s.*not shown within margin$/m);
    expect(text).toContain("CIs 95%, unadjusted (the adj. p beside them is Holm-corrected)");
    expect(text).toContain("guardrail CIs 90% (two one-sided bounds), adjusted like their p");
    expect(text).toContain(
      "but guardrail holds the ship: latency_ms (not yet shown within its margin of 2%)",
    );
    expect(text).toContain("decision: CONTINUE");
  });

  it("warns when a relative CI is unbounded or reaches past ±100%", () => {
    const entry = planned({
      control: "control",
      primary: [{ metric: "revenue" }],
      minimumSample: 100,
      weights: { control: 1, treatment: 1 },
    });
    const report = reportOf(
      entry,
      summary([
        {
          metric: "revenue",
          kind: "numeric",
          variants: [numeric("control", 0.05, 100), numeric("treatment", 0.1, 100)],
        },
      ]),
      undefined,
    );
    expect(renderReport(report)).toMatch(
      /^warning: revenue \(treatment\): the relative CI (is unbounded|reaches past ±100%)/m,
    );
  });

  it("names the arms a multi-arm winner cannot be told apart from (REVIEW)", () => {
    const three: ExperimentEntry = {
      ...definition,
      variants: [
        { id: "control", weight: 1, isControl: true },
        { id: "a", weight: 1, isControl: false },
        { id: "b", weight: 1, isControl: false },
      ],
      analysis: {
        control: "control",
        primary: [{ metric: "checkout" }],
        minimumSample: 100,
        weights: { control: 1, a: 1, b: 1 },
      },
    };
    const report = reportOf(
      three,
      summary(
        [
          {
            metric: "checkout",
            kind: "bool",
            variants: [bool("control", 1000), bool("a", 1150), bool("b", 1160)],
          },
        ],
        ["control", "a", "b"],
      ),
      undefined,
    );
    expect(report.decision).toBe("review");
    expect(renderReport(report)).toMatch(
      /^decision: REVIEW: b, a each beat control, but checkout cannot tell b apart from a/m,
    );
  });

  it("without a plan: one Holm family over every metric × treatment", () => {
    const report = reportOf(
      definition,
      summary([
        { metric: "checkout", kind: "bool", variants: [bool("control", 1000), bool("treatment", 1100)] },
        { metric: "errors", kind: "bool", variants: [bool("control", 100), bool("treatment", 110)] },
      ]),
      undefined,
    );
    const metrics = report.treatments[0]?.metrics ?? [];
    const smaller = Math.min(...metrics.map((m) => m.pValue));
    expect(Math.min(...metrics.map((m) => m.adjustedPValue))).toBeCloseTo(2 * smaller, 14);
  });
});
