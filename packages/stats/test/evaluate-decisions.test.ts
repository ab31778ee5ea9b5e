import type { ExperimentSummary, MetricSummary } from "@assay/core";
import { describe, expect, it } from "vitest";
import { adjust, compare, type ExperimentPlan, evaluate, StatsInputError } from "../src/index.js";

// Constructed summaries, one per decision rule: each names the decision the rule must give.

const bool = (variantId: string, n: number, conversions: number) => ({
  variantId,
  n,
  sum: conversions,
  sumSquares: conversions,
});
const numeric = (variantId: string, n: number, mean: number, variance: number) => ({
  variantId,
  n,
  sum: n * mean,
  sumSquares: (n - 1) * variance + n * mean * mean,
});
const boolMetric = (metric: string, counts: Record<string, [number, number]>): MetricSummary => ({
  metric,
  kind: "bool",
  variants: Object.entries(counts).map(([id, [n, k]]) => bool(id, n, k)),
});

function summary(units: Record<string, number>, metrics: MetricSummary[]): ExperimentSummary {
  return {
    experiment: "exp",
    variants: Object.entries(units).map(([variantId, exposedUnits]) => ({
      variantId,
      exposedUnits,
      exposures: exposedUnits,
    })),
    metrics,
    unitsInSeveralVariants: 0,
    unattributedOutcomes: 0,
  };
}

const N = 10_000;
const units = { control: N, treatment: N };
const base: ExperimentPlan = {
  control: "control",
  primary: [{ metric: "purchase" }],
  minimumSample: 5000,
};
const purchase = (c: number, t: number) => boolMetric("purchase", { control: [N, c], treatment: [N, t] });
const errors = (c: number, t: number) => boolMetric("errors", { control: [N, c], treatment: [N, t] });
const metricOf = (r: ReturnType<typeof evaluate>, name: string, t = 0) =>
  r.treatments[t]?.metrics.find((m) => m.metric === name);

describe("evaluate: insufficient data is never no-effect, keep-control or guardrail ok", () => {
  it("zero units: every metric insufficient-data, continue, not keep-control", () => {
    const report = evaluate(
      { ...base, weights: { control: 1, treatment: 1 } },
      summary({ control: 0, treatment: 0 }, []),
    );
    expect(metricOf(report, "purchase")?.verdict).toBe("insufficient-data");
    expect(report.treatments[0]?.decision).toBe("continue");
    expect(report.decision).toBe("continue");
    // the same with the planned sample out of the way (a tiny minimumSample already met by nothing)
    const met = evaluate(
      { control: "control", primary: [{ metric: "purchase" }], minimumSample: 1 },
      summary({ control: 1, treatment: 1 }, [purchase(0, 0)]),
    );
    expect(met.sample.reached).toBe(true);
    expect(met.treatments[0]?.decision).toBe("continue");
    expect(met.decision).toBe("continue");
    expect(met.treatments[0]?.reasons.join(" ")).toMatch(/insufficient data on primary metric purchase/);
  });

  it("primary 0 -> 50 conversions: tested on the absolute scale (control mean 0), ships, not keep-control", () => {
    const report = evaluate(base, summary(units, [purchase(0, 50)]));
    const m = metricOf(report, "purchase");
    expect(m?.plannedScale).toBe("relative");
    expect(m?.scale).toBe("absolute");
    const direct = compare({ n: N, sum: 0 }, { n: N, sum: 50 }, { type: "proportion", scale: "absolute" });
    expect(m?.pValue).toBe(direct.pValue);
    expect(m?.estimate).toBe(0.005);
    expect(m?.verdict).toBe("win");
    expect(report.decision).toBe("ship");
  });

  it("a primary with no outcomes recorded holds the decision (continue), fixed plan at its sample", () => {
    const report = evaluate(base, summary(units, []));
    expect(metricOf(report, "purchase")?.warning).toBe("metric-not-recorded");
    expect(report.decision).toBe("continue");
  });

  it("a primary with no variance (0 vs 0 conversions) is insufficient-data, not no-effect", () => {
    const report = evaluate(base, summary(units, [purchase(0, 0)]));
    expect(metricOf(report, "purchase")?.warning).toBe("zero-variance");
    expect(report.treatments[0]?.decision).toBe("continue");
    expect(report.decision).toBe("continue");
  });

  it("guardrail 0 -> 60 errors per 10,000 holds the ship (tested on the absolute scale: a breach)", () => {
    const plan = { ...base, guardrails: [{ metric: "errors", direction: "decrease" as const }] };
    const report = evaluate(plan, summary(units, [purchase(1000, 1200), errors(0, 60)]));
    const g = metricOf(report, "errors");
    expect(g?.scale).toBe("absolute");
    expect(g?.verdict).toBe("breach");
    expect(report.decision).toBe("rollback");
    expect(report.decision).not.toBe("ship");
  });

  it("a guardrail with no recorded outcomes, or no variance, holds a winning primary back", () => {
    const plan = { ...base, guardrails: [{ metric: "errors", direction: "decrease" as const }] };
    const missing = evaluate(plan, summary(units, [purchase(1000, 1200)]));
    expect(metricOf(missing, "errors")?.verdict).toBe("insufficient-data");
    expect(metricOf(missing, "purchase")?.verdict).toBe("win");
    expect(missing.treatments[0]?.decision).toBe("continue");
    expect(missing.treatments[0]?.reasons.join(" ")).toMatch(
      /guardrail holds the ship: errors \(insufficient data/,
    );
    expect(missing.decision).toBe("continue");
    const flat = evaluate(plan, summary(units, [purchase(1000, 1200), errors(0, 0)]));
    expect(metricOf(flat, "errors")?.warning).toBe("zero-variance");
    expect(flat.decision).toBe("continue");
  });

  it("sequential: fewer than 100 units per arm is insufficient-data before the first look", () => {
    const plan: ExperimentPlan = {
      control: "control",
      primary: [{ metric: "purchase" }],
      sequential: {},
      scale: "absolute",
    };
    const small = boolMetric("purchase", { control: [99, 1], treatment: [99, 60] });
    const early = evaluate(plan, summary({ control: 99, treatment: 99 }, [small]));
    expect(metricOf(early, "purchase")?.warning).toBe("too-few-units");
    expect(early.decision).toBe("continue");
    const enough = boolMetric("purchase", { control: [100, 1], treatment: [100, 60] });
    expect(evaluate(plan, summary({ control: 100, treatment: 100 }, [enough])).decision).toBe("ship");
  });
});

describe("evaluate: switched-off arms", () => {
  it("a zero-weight arm is not a treatment, not in minimumSample, not in the SRM check", () => {
    const plan = { ...base, weights: { control: 1, treatment: 1, off: 0 } };
    const report = evaluate(plan, summary(units, [purchase(1000, 1200)]));
    expect(report.treatments.map((t) => t.variant)).toEqual(["treatment"]);
    expect(report.arms.map((a) => [a.variant, a.active])).toEqual([
      ["control", true],
      ["treatment", true],
      ["off", false],
    ]);
    expect(report.sample.reached).toBe(true);
    expect(report.decision).toBe("ship");
    expect(report.warnings.join(" ")).toMatch(/arm "off" is switched off \(weight 0\)/);
  });

  it("every treatment switched off: keep-control, saying so", () => {
    const report = evaluate(
      { ...base, weights: { control: 1, treatment: 0 } },
      summary({ control: N, treatment: 0 }, [purchase(1000, 0)]),
    );
    expect(report.treatments).toEqual([]);
    expect(report.decision).toBe("keep-control");
    expect(report.reasons[0]).toMatch(/switched off/);
  });

  it("a switched-off control is a plan error naming the weight", () => {
    expect(() => evaluate({ ...base, weights: { control: 0, treatment: 1 } }, summary(units, []))).toThrow(
      StatsInputError,
    );
    try {
      evaluate({ ...base, weights: { control: 0, treatment: 1 } }, summary(units, []));
    } catch (e) {
      expect((e as StatsInputError).field).toBe("plan.weights.control");
    }
  });
});

describe("evaluate: guardrails", () => {
  const latency = (t: number): MetricSummary => ({
    metric: "latency_ms",
    kind: "numeric",
    variants: [numeric("control", N, 300, 2500), numeric("treatment", N, t, 2500)],
  });
  const withMargin = (margin: number): ExperimentPlan => ({
    ...base,
    guardrails: [{ metric: "latency_ms", direction: "decrease", margin }],
  });

  it("a margin of 5%: shown within -> ship; not shown -> continue; shown beyond -> rollback", () => {
    const within = evaluate(withMargin(0.05), summary(units, [purchase(1000, 1200), latency(301)]));
    expect(metricOf(within, "latency_ms")?.verdict).toBe("ok");
    expect(metricOf(within, "latency_ms")?.nonInferiorityPValue).toBeLessThan(0.05);
    expect(within.decision).toBe("ship");
    // +14 ms of a 15 ms margin, ± 1.4 ms: not shown within it, not shown beyond it
    const unproven = evaluate(withMargin(0.05), summary(units, [purchase(1000, 1200), latency(314)]));
    expect(metricOf(unproven, "latency_ms")?.verdict).toBe("inconclusive");
    expect(unproven.decision).toBe("continue");
    const beyond = evaluate(withMargin(0.05), summary(units, [purchase(1000, 1200), latency(330)]));
    expect(metricOf(beyond, "latency_ms")?.verdict).toBe("breach");
    expect(beyond.decision).toBe("rollback");
  });

  it("the CI is the confidence sequence: breach exactly when the harmful bound passes the margin", () => {
    for (const t of [300, 305, 310, 313, 314, 315, 316, 317, 320]) {
      const r = evaluate(withMargin(0.05), summary(units, [purchase(1000, 1200), latency(t)]));
      const g = metricOf(r, "latency_ms");
      expect(g?.ciAdjusted).toBe(true);
      expect(g?.ciLevel).toBeCloseTo(0.9, 12);
      // lower is better: a breach is the lower bound above +5%; ok is the upper bound below +5%
      expect(g?.verdict === "breach", `t=${t}`).toBe((g?.ci[0] ?? 0) > 0.05);
      expect(g?.verdict === "ok", `t=${t}`).toBe((g?.ci[1] ?? 0) < 0.05);
    }
  });

  it("is valid before the minimum sample of a fixed plan: an early breach rolls back", () => {
    const plan: ExperimentPlan = {
      ...base,
      minimumSample: 100_000,
      guardrails: [{ metric: "latency_ms", direction: "decrease" }],
    };
    const report = evaluate(plan, summary(units, [purchase(1000, 1000), latency(310)]));
    expect(report.sample.reached).toBe(false);
    expect(report.guardrailTuning).toBe(200_000);
    expect(report.decision).toBe("rollback");
  });

  it("the guardrail family is Bonferroni over guardrails x treatments", () => {
    const three = { control: N, a: N, b: N };
    const m = (name: string): MetricSummary => ({
      metric: name,
      kind: "numeric",
      variants: [numeric("control", N, 300, 2500), numeric("a", N, 301, 2500), numeric("b", N, 302, 2500)],
    });
    const plan: ExperimentPlan = {
      control: "control",
      primary: [{ metric: "p1" }],
      guardrails: [{ metric: "g1" }, { metric: "g2" }],
      minimumSample: 100,
    };
    const report = evaluate(plan, summary(three, [m("p1"), m("g1"), m("g2")]));
    const g = metricOf(report, "g1");
    expect(g?.adjustedPValue).toBe(Math.min(1, 4 * (g?.pValue ?? 1)));
    expect(g?.ciLevel).toBeCloseTo(1 - 2 * (0.05 / 4), 12);
  });
});

describe("evaluate: correction families", () => {
  const revenue = (t: number): MetricSummary => ({
    metric: "revenue",
    kind: "numeric",
    variants: [numeric("control", N, 20, 400), numeric("treatment", N, t, 400)],
  });

  it("secondaries do not enter the ship family: adding them leaves the primary's adjusted p as is", () => {
    const secondaries = Array.from({ length: 10 }, (_, i) => ({ metric: `s${i}` }));
    const extra = secondaries.map((s, i) => ({ ...revenue(20 + 0.1 * i), metric: s.metric }));
    const alone = evaluate(base, summary(units, [purchase(1000, 1090)]));
    const withMany = evaluate(
      { ...base, secondary: secondaries },
      summary(units, [purchase(1000, 1090), ...extra]),
    );
    expect(metricOf(withMany, "purchase")?.adjustedPValue).toBe(metricOf(alone, "purchase")?.adjustedPValue);
    // ... and the secondaries are corrected among themselves (Holm over 10)
    const sec = withMany.treatments[0]?.metrics.filter((r) => r.role === "secondary") ?? [];
    expect(sec.map((r) => r.adjustedPValue)).toEqual(
      adjust(
        sec.map((r) => r.pValue),
        "holm",
      ),
    );
  });

  it("two primaries x one treatment are corrected together", () => {
    const plan: ExperimentPlan = { ...base, primary: [{ metric: "purchase" }, { metric: "revenue" }] };
    const report = evaluate(plan, summary(units, [purchase(1000, 1090), revenue(20.3)]));
    const p = metricOf(report, "purchase");
    const r = metricOf(report, "revenue");
    const smaller = Math.min(p?.pValue ?? 1, r?.pValue ?? 1);
    expect(Math.min(p?.adjustedPValue ?? 1, r?.adjustedPValue ?? 1)).toBeCloseTo(2 * smaller, 14);
  });

  it("a secondary win never ships alone", () => {
    const plan = { ...base, secondary: [{ metric: "revenue" }] };
    const report = evaluate(plan, summary(units, [purchase(1000, 1000), revenue(21)]));
    expect(metricOf(report, "revenue")?.verdict).toBe("win");
    expect(report.treatments[0]?.decision).toBe("no-effect");
    expect(report.decision).toBe("keep-control");
  });

  it("a significant secondary loss turns ship into review, naming the metric", () => {
    const plan = { ...base, secondary: [{ metric: "revenue" }] };
    const report = evaluate(plan, summary(units, [purchase(1000, 1200), revenue(19)]));
    expect(metricOf(report, "revenue")?.verdict).toBe("loss");
    expect(report.treatments[0]?.decision).toBe("review");
    expect(report.decision).toBe("review");
    expect(report.reasons.join(" ")).toMatch(/secondary metric significantly worse: revenue/);
  });
});

describe("evaluate: SRM and several arms", () => {
  it("SRM overrides every other decision, rollback included", () => {
    const plan = { ...base, guardrails: [{ metric: "errors", direction: "decrease" as const }] };
    const skewed = { control: N, treatment: 10_600 };
    const metrics = [
      boolMetric("purchase", { control: [N, 1000], treatment: [10_600, 1300] }),
      boolMetric("errors", { control: [N, 100], treatment: [10_600, 300] }),
    ];
    const report = evaluate(plan, summary(skewed, metrics));
    expect(metricOf(report, "errors")?.verdict).toBe("breach");
    expect(report.srm.mismatch).toBe(true);
    expect(report.treatments[0]?.decision).toBe("investigate-srm");
    expect(report.treatments[0]?.reasons.join(" ")).toMatch(/guardrail breach not acted on: errors/);
    expect(report.decision).toBe("investigate-srm");
  });

  const three = (a: number, b: number) =>
    summary({ control: N, a: N, b: N }, [
      boolMetric("purchase", { control: [N, 1000], a: [N, a], b: [N, b] }),
    ]);
  const plan3: ExperimentPlan = { control: "control", primary: [{ metric: "purchase" }], minimumSample: 100 };

  it("a winner must beat the other shippable arm: 1150 vs 1160 cannot be told apart -> review naming both", () => {
    const report = evaluate(plan3, three(1150, 1160));
    expect(report.treatments.map((t) => t.decision)).toEqual(["ship", "ship"]);
    expect(report.decision).toBe("review");
    expect(report.winner).toBeUndefined();
    expect(report.cannotTellApart).toEqual(["b", "a"]);
    expect(report.reasons[0]).toMatch(/cannot tell b apart from a/);
  });

  it("a winner that beats every other shippable arm ships", () => {
    const report = evaluate(plan3, three(1150, 1400));
    expect(report.decision).toBe("ship");
    expect(report.winner).toBe("b");
    expect(report.cannotTellApart).toBeUndefined();
  });
});

describe("evaluate: what the report says about its intervals", () => {
  it("primary/secondary CIs are labelled unadjusted unless the correction is none", () => {
    const r = evaluate(base, summary(units, [purchase(1000, 1100)]));
    expect(metricOf(r, "purchase")).toMatchObject({ ciLevel: 0.95, ciAdjusted: false });
    const none = evaluate({ ...base, correction: "none" }, summary(units, [purchase(1000, 1100)]));
    expect(metricOf(none, "purchase")?.ciAdjusted).toBe(true);
  });

  it("warns when a relative CI reaches past ±100% (control mean small against its SE)", () => {
    const noisy: MetricSummary = {
      metric: "purchase",
      kind: "numeric",
      variants: [numeric("control", N, 0.05, 100), numeric("treatment", N, 0.1, 100)],
    };
    const r = evaluate(base, summary(units, [noisy]));
    const m = metricOf(r, "purchase");
    const [lo, hi] = m?.ci ?? [0, 0];
    expect(lo < -1 || hi > 1 || !Number.isFinite(lo) || !Number.isFinite(hi)).toBe(true);
    expect(r.warnings.join(" ")).toMatch(
      /purchase \(treatment\): the relative CI (reaches past ±100%|is unbounded)/,
    );
    const clear = evaluate(base, summary(units, [purchase(1000, 1100)]));
    expect(clear.warnings.join(" ")).not.toMatch(/relative CI/);
  });
});
