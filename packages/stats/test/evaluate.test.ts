import {
  type ExperimentSummary,
  exposureEvent,
  MemoryEventStore,
  type MetricSummary,
  outcomeEvent,
} from "@assay/core";
import { describe, expect, it } from "vitest";
import { fiellerInterval, meansContrast } from "../src/frequentist/fieller.js";
import {
  adjust,
  compare,
  type ExperimentPlan,
  evaluate,
  resolvePlan,
  StatsInputError,
  tUpperQuantile,
} from "../src/index.js";
import { expectRel } from "./helpers.js";

/** Fieller's two-sided set for the lift of independent means mA, mB (variances of the means uA, uB) at c. */
const fiellerLift = (mA: number, mB: number, uA: number, uB: number, c: number) =>
  fiellerInterval(meansContrast(mA, mB, uA, uB), c, "two").ci;

/** Sufficient statistics of a 0/1 metric with `conversions` of `n`. */
const bool = (variantId: string, n: number, conversions: number) => ({
  variantId,
  n,
  sum: conversions,
  sumSquares: conversions,
});
/** Sufficient statistics of a numeric metric with a given mean and sample variance. */
const numeric = (variantId: string, n: number, mean: number, variance: number) => ({
  variantId,
  n,
  sum: n * mean,
  sumSquares: (n - 1) * variance + n * mean * mean,
});

function summary(units: Record<string, number>, metrics: MetricSummary[]): ExperimentSummary {
  return {
    experiment: "checkout",
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
const plan: ExperimentPlan = {
  control: "control",
  primary: [{ metric: "purchase" }],
  secondary: [{ metric: "revenue" }],
  guardrails: [{ metric: "latency_ms", direction: "decrease" }],
  minimumSample: 5000,
};

const purchase = (t: number): MetricSummary => ({
  metric: "purchase",
  kind: "bool",
  variants: [bool("control", N, 1000), bool("treatment", N, t)],
});
const revenue: MetricSummary = {
  metric: "revenue",
  kind: "numeric",
  variants: [numeric("control", N, 20, 400), numeric("treatment", N, 20.2, 400)],
};
const latency = (t: number): MetricSummary => ({
  metric: "latency_ms",
  kind: "numeric",
  variants: [numeric("control", N, 300, 2500), numeric("treatment", N, t, 2500)],
});

describe("evaluate", () => {
  it("ships a clear primary win, with each number taken from compare and each family adjusted by Holm", () => {
    const report = evaluate(plan, summary(units, [purchase(1150), revenue, latency(300)]));
    expect(report.decision).toBe("ship");
    expect(report.winner).toBe("treatment");
    expect(report.method).toBe("fixed");
    expect(report.correction).toBe("holm");
    expect(report.srm.mismatch).toBe(false);
    expect(report.sample).toEqual({ minimumPerArm: 5000, reached: true });
    const [t] = report.treatments;
    expect(t?.decision).toBe("ship");
    const byName = new Map(t?.metrics.map((m) => [m.metric, m]));
    const p = byName.get("purchase");
    const direct = compare({ n: N, sum: 1000 }, { n: N, sum: 1150 }, { type: "proportion" });
    const absolute = compare(
      { n: N, sum: 1000 },
      { n: N, sum: 1150 },
      { type: "proportion", scale: "absolute" },
    );
    expect(p?.type).toBe("proportion");
    expect(p?.estimate).toBe(direct.estimate);
    // relative: the p-value of the absolute test (the same null), the CI Fieller's at its critical value
    expect(p?.pValue).toBe(absolute.pValue);
    const critical = tUpperQuantile(0.025, absolute.df);
    const uA = (0.1 * 0.9) / N;
    const uB = (0.115 * 0.885) / N;
    expect(p?.ci).toEqual(fiellerLift(0.1, 0.115, uA, uB, critical));
    expect((p?.ci[0] ?? 0) > 0).toBe((p?.pValue ?? 1) < 0.05);
    expect(p?.verdict).toBe("win");
    // one treatment: the primary family is purchase alone, the secondary family revenue alone
    const r = byName.get("revenue");
    expect(p?.adjustedPValue).toBe(adjust([p?.pValue ?? 1], "holm")[0]);
    expect(r?.adjustedPValue).toBe(adjust([r?.pValue ?? 1], "holm")[0]);
    expect(r?.type).toBe("mean");
    const g = byName.get("latency_ms");
    expect(g?.sides).toBe("greater"); // harmful side of a lower-is-better metric
    expect(g?.adjustedPValue).toBe(g?.pValue); // one guardrail × one treatment: Bonferroni over 1
    expect(g?.verdict).toBe("ok");
    // both one-sided bounds of the confidence sequence at 0.05 each, around the observed 0 ms
    expect(g?.ciLevel).toBe(0.9);
    expect(g?.ciAdjusted).toBe(true);
    expect(g?.ci[0]).toBeLessThan(0);
    expect(g?.ci[1]).toBeGreaterThan(0);
  });

  it("guardrails stay outside the correction family", () => {
    const withGuardrail = evaluate(plan, summary(units, [purchase(1100), revenue, latency(300)]));
    const without = evaluate(
      { ...plan, guardrails: [] },
      summary(units, [purchase(1100), revenue, latency(300)]),
    );
    const adj = (r: typeof without) =>
      r.treatments[0]?.metrics.find((m) => m.metric === "purchase")?.adjustedPValue;
    expect(adj(withGuardrail)).toBe(adj(without));
  });

  it("recommends rollback on a guardrail breach, even with a primary win", () => {
    const report = evaluate(plan, summary(units, [purchase(1150), revenue, latency(305)]));
    const g = report.treatments[0]?.metrics.find((m) => m.metric === "latency_ms");
    expect(g?.verdict).toBe("breach");
    expect(g?.significant).toBe(true);
    expect(report.treatments[0]?.decision).toBe("rollback");
    expect(report.decision).toBe("rollback");
    expect(report.reasons.join(" ")).toMatch(/treatment/);
    // a non-inferiority margin of 5% (15 ms) the data shows kept: no breach, and the ship goes ahead
    const tolerant = evaluate(
      { ...plan, guardrails: [{ metric: "latency_ms", direction: "decrease", margin: 0.05 }] },
      summary(units, [purchase(1150), revenue, latency(305)]),
    );
    expect(tolerant.decision).toBe("ship");
    // 2% (6 ms) is neither shown kept nor shown broken by +5 ms ± 1.4: it holds the ship back
    const tight = evaluate(
      { ...plan, guardrails: [{ metric: "latency_ms", direction: "decrease", margin: 0.02 }] },
      summary(units, [purchase(1150), revenue, latency(305)]),
    );
    expect(tight.treatments[0]?.metrics.find((m) => m.metric === "latency_ms")?.verdict).toBe("inconclusive");
    expect(tight.decision).toBe("continue");
    expect(tight.treatments[0]?.reasons.join(" ")).toMatch(
      /latency_ms \(not yet shown within its margin of 2%\)/,
    );
  });

  it("a sample ratio mismatch blocks ship", () => {
    const skewed = { control: N, treatment: 10_600 };
    const report = evaluate(plan, summary(skewed, [purchase(1150), revenue, latency(300)]));
    expect(report.srm.mismatch).toBe(true);
    expect(report.srm.pValue).toBeLessThan(0.001);
    expect(report.treatments[0]?.decision).toBe("investigate-srm");
    expect(report.decision).toBe("investigate-srm");
    expect(report.winner).toBeUndefined();
    // the same counts match a configured 50/53 split
    const planned = evaluate(
      { ...plan, weights: { control: 50, treatment: 53 } },
      summary(skewed, [purchase(1150), revenue, latency(300)]),
    );
    expect(planned.srm.mismatch).toBe(false);
    expect(planned.arms.map((a) => a.weight)).toEqual([50 / 103, 53 / 103]);
  });

  it("fixed horizon: no decision before the planned sample; then no-effect / keep-control", () => {
    const early = evaluate(
      { ...plan, minimumSample: 20_000 },
      summary(units, [purchase(1150), revenue, latency(300)]),
    );
    expect(early.sample.reached).toBe(false);
    expect(early.decision).toBe("continue");
    const flat = evaluate(plan, summary(units, [purchase(1010), revenue, latency(300)]));
    expect(flat.treatments[0]?.decision).toBe("no-effect");
    expect(flat.decision).toBe("keep-control");
  });

  it("sequential: an inconclusive result means continue, and intervals are the wider confidence sequence", () => {
    const seqPlan = { ...plan, sequential: { tuning: 5000 } };
    const flat = evaluate(seqPlan, summary(units, [purchase(1010), revenue, latency(300)]));
    expect(flat.method).toBe("sequential");
    expect(flat.sequentialTuning).toBe(5000);
    expect(flat.decision).toBe("continue");
    const fixed = evaluate(plan, summary(units, [purchase(1010), revenue, latency(300)]));
    const width = (r: typeof flat) => {
      const ci = r.treatments[0]?.metrics[0]?.ci ?? [0, 0];
      return ci[1] - ci[0];
    };
    expect(width(flat)).toBeGreaterThan(width(fixed));
    expect(flat.warnings.some((w) => w.includes("minimumSample"))).toBe(false);
  });

  it("a significant primary loss rejects the treatment; direction decides what a loss is", () => {
    const loss = evaluate(plan, summary(units, [purchase(850), revenue, latency(300)]));
    expect(loss.treatments[0]?.metrics[0]?.verdict).toBe("loss");
    expect(loss.treatments[0]?.decision).toBe("reject");
    expect(loss.decision).toBe("keep-control");
    const lowerIsBetter = evaluate(
      { ...plan, primary: [{ metric: "purchase", direction: "decrease" }] },
      summary(units, [purchase(850), revenue, latency(300)]),
    );
    expect(lowerIsBetter.treatments[0]?.metrics[0]?.verdict).toBe("win");
    expect(lowerIsBetter.decision).toBe("ship");
  });

  it("picks the best of several shippable treatments and corrects over every treatment", () => {
    const three = { control: N, a: N, b: N };
    const metric: MetricSummary = {
      metric: "purchase",
      kind: "bool",
      variants: [bool("control", N, 1000), bool("a", N, 1150), bool("b", N, 1250)],
    };
    const report = evaluate(
      { control: "control", primary: [{ metric: "purchase" }], correction: "bonferroni", minimumSample: 100 },
      summary(three, [metric]),
    );
    expect(report.treatments.map((t) => t.decision)).toEqual(["ship", "ship"]);
    expect(report.winner).toBe("b");
    const a = report.treatments[0]?.metrics[0];
    expect(a?.adjustedPValue).toBe(Math.min(1, 2 * (a?.pValue ?? 1)));
  });

  it("reports metrics without data as insufficient-data and warns", () => {
    const report = evaluate(plan, summary(units, [purchase(1150), latency(300)]));
    const r = report.treatments[0]?.metrics.find((m) => m.metric === "revenue");
    expect(r?.verdict).toBe("insufficient-data");
    expect(r?.warning).toBe("metric-not-recorded");
    expect(report.warnings.some((w) => w.includes("revenue"))).toBe(true);
  });

  it("counts an arm missing from the summary as 0 units when the plan names it", () => {
    const report = evaluate(
      { ...plan, weights: { control: 1, treatment: 1 } },
      summary({ control: 50 }, [{ metric: "purchase", kind: "bool", variants: [bool("control", 50, 5)] }]),
    );
    expect(report.arms.map((a) => a.units)).toEqual([50, 0]);
    expect(report.srm.mismatch).toBe(true);
    expect(report.treatments[0]?.metrics[0]?.verdict).toBe("insufficient-data");
  });

  it("works on the summary of a real event store", async () => {
    const store = new MemoryEventStore();
    const t0 = Date.UTC(2026, 0, 1);
    const events = [];
    for (let i = 0; i < 400; i++) {
      const variantId = i % 2 === 0 ? "control" : "treatment";
      const userId = `u${i}`;
      events.push(exposureEvent({ experiment: "checkout", variantId, userId, timestamp: new Date(t0) }));
      const converts = variantId === "control" ? i % 10 === 0 : i % 4 === 1;
      if (converts) {
        events.push(
          outcomeEvent({
            experiment: "checkout",
            metric: "purchase",
            value: { kind: "bool", value: true },
            userId,
            timestamp: new Date(t0 + 1),
          }),
        );
      }
      events.push(
        outcomeEvent({
          experiment: "checkout",
          metric: "revenue",
          value: { kind: "numeric", value: (i % 7) * 3 },
          userId,
          timestamp: new Date(t0 + 2),
        }),
      );
    }
    await store.append(events);
    const s = await store.summarize({ experiment: "checkout" });
    const report = evaluate({ control: "control", primary: [{ metric: "purchase" }], minimumSample: 200 }, s);
    expect(report.experiment).toBe("checkout");
    expect(report.arms.map((a) => a.units)).toEqual([200, 200]);
    const m = report.treatments[0]?.metrics[0];
    expect(m?.controlMean).toBe(40 / 200);
    expect(m?.treatmentMean).toBe(100 / 200);
    expectRel(m?.estimate ?? 0, 1.5, 1e-12);
    expect(report.decision).toBe("ship");
  });
});

describe("evaluate: validation", () => {
  const s = summary(units, [purchase(1000)]);
  const bad: Array<[string, unknown, string]> = [
    ["no primary metric", { control: "control", primary: [] }, "plan.primary"],
    ["a metric listed twice", { ...plan, secondary: [{ metric: "purchase" }] }, "plan.secondary[0].metric"],
    ["an unknown setting", { ...plan, alfa: 0.05 }, "plan.alfa"],
    [
      "an unknown metric setting",
      { ...plan, primary: [{ metric: "purchase", dir: "up" }] },
      "plan.primary[0].dir",
    ],
    ["alpha out of range", { ...plan, alpha: 5 }, "plan.alpha"],
    [
      "a bad direction",
      { ...plan, primary: [{ metric: "purchase", direction: "up" }] },
      "plan.primary[0].direction",
    ],
    [
      "a margin on a primary metric",
      { ...plan, primary: [{ metric: "purchase", margin: 0.1 }] },
      "plan.primary[0].margin",
    ],
    [
      "a negative margin",
      { ...plan, guardrails: [{ metric: "x", margin: -1 }] },
      "plan.guardrails[0].margin",
    ],
    ["an unknown correction", { ...plan, correction: "sidak" }, "plan.correction"],
    ["weights without the control", { ...plan, weights: { a: 1, b: 1 } }, "plan.weights"],
    ["a fractional minimum sample", { ...plan, minimumSample: 10.5 }, "plan.minimumSample"],
    ["a bad sequential tuning", { ...plan, sequential: { tuning: -5 } }, "plan.sequential.tuning"],
    ["a missing control", { primary: [{ metric: "purchase" }] }, "plan.control"],
    [
      "a sequential guardrail alpha of 0.5",
      { ...plan, sequential: {}, guardrailAlpha: 0.5 },
      "plan.guardrailAlpha",
    ],
  ];
  for (const [name, p, field] of bad) {
    it(`rejects a plan with ${name}`, () => {
      expect(() => resolvePlan(p)).toThrow(StatsInputError);
      try {
        evaluate(p as ExperimentPlan, s);
      } catch (e) {
        expect((e as StatsInputError).field).toBe(field);
        return;
      }
      expect.unreachable();
    });
  }

  it("rejects malformed summaries, naming the field", () => {
    const badN = summary(units, [{ metric: "purchase", kind: "bool", variants: [bool("control", 10.5, 1)] }]);
    expect(() => evaluate(plan, badN)).toThrow(/summary\.metrics\[0\]\.variants\[0\]\.n/);
    const badUnits = summary({ control: -1, treatment: 3 }, []);
    expect(() => evaluate(plan, badUnits)).toThrow(/summary\.variants\[0\]\.exposedUnits/);
    const badKind = { ...s, metrics: [{ ...purchase(1), kind: "ratio" }] } as unknown as ExperimentSummary;
    expect(() => evaluate(plan, badKind)).toThrow(/summary\.metrics\[0\]\.kind/);
    const lonely = summary({ control: 5 }, []);
    expect(() => evaluate(plan, lonely)).toThrow(/at least one treatment/);
  });

  it("applies defaults", () => {
    const p = resolvePlan({ control: "c", primary: [{ metric: "m" }] });
    expect(p).toMatchObject({
      alpha: 0.05,
      correction: "holm",
      method: "fixed",
      guardrailAlpha: 0.05,
      srmThreshold: 0.001,
      metrics: [{ metric: "m", role: "primary", direction: "increase", scale: "relative", margin: 0 }],
    });
    expect(resolvePlan({ control: "c", primary: [{ metric: "m" }], sequential: {} }).sequentialTuning).toBe(
      5000,
    );
  });
});
