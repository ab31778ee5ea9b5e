import { type StoredEvent, summarizeEvents } from "@assay/core";
import { describe, expect, it } from "vitest";
import { checkSummary, compareQuantiles, evaluate, resolvePlan } from "../src/index.js";
import { rng } from "./helpers.js";

describe("evaluate: quantile metrics", () => {
  /** 400 units per arm; latency lognormal, 50% slower in the treatment; every fifth unit made no request. */
  function events(): StoredEvent[] {
    const out: StoredEvent[] = [];
    const at = new Date(Date.UTC(2026, 0, 1));
    const random = rng(7);
    for (let u = 0; u < 800; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      out.push({ type: "exposure", eventId: `x${u}`, experiment: "e", variantId, userId, timestamp: at });
      if (u % 5 === 0) continue;
      const value = Math.exp(3 + 0.8 * random.normal()) * (variantId === "treatment" ? 1.5 : 1);
      out.push({
        type: "outcome",
        eventId: `o${u}`,
        experiment: "e",
        metric: "latency_ms",
        value: { kind: "numeric", value },
        userId,
        timestamp: new Date(at.getTime() + 1000),
      });
    }
    return out;
  }
  const quantile = { probability: 0.9, ignoreZeros: true };
  const plan = {
    control: "control",
    primary: [
      {
        metric: "latency_p90",
        outcome: "latency_ms",
        quantile,
        direction: "decrease" as const,
        scale: "absolute" as const,
      },
    ],
    secondary: [{ metric: "latency_ms", scale: "absolute" as const }],
    minimumSample: 100,
  };

  it("tests the summary's quantiles and reports each arm's quantile, the effect, its CI and a decision", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      quantiles: [{ metric: "latency_ms", ...quantile }],
    });
    const report = evaluate(plan, summary);
    const [p90, mean] = report.treatments[0]!.metrics;
    const entry = summary.quantiles![0]!;
    const [a, b] = entry.variants;
    const direct = compareQuantiles(a!, b!, { probability: 0.9 });
    expect(p90).toMatchObject({
      metric: "latency_p90",
      controlUnits: 320, // ignoreZeros: the 80 units without a request per arm are left out
      treatmentUnits: 320,
      controlMean: a!.estimate,
      treatmentMean: b!.estimate,
      estimate: direct.estimate,
      standardError: direct.standardError,
      ci: direct.ci,
      pValue: direct.pValue,
      verdict: "loss", // slower is worse
      quantile: {
        probability: 0.9,
        ignoreZeros: true,
        confidence: 0.95,
        control: { n: 320, estimate: a!.estimate, lower: a!.lower, upper: a!.upper, coverage: a!.coverage },
      },
    });
    expect(p90!.warning).toBeUndefined();
    expect(report.treatments[0]!.decision).toBe("reject");
    expect(mean!.quantile).toBeUndefined(); // the plain outcome in the same plan is a mean
  });

  it("on the relative scale gives the Fieller interval of q_t / q_c − 1 with the absolute test's p", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      quantiles: [{ metric: "latency_ms", ...quantile }],
    });
    const relativePlan = { ...plan, primary: [{ ...plan.primary[0]!, scale: "relative" as const }] };
    const r = evaluate(relativePlan, summary).treatments[0]!.metrics[0]!;
    const [a, b] = summary.quantiles![0]!.variants;
    const direct = compareQuantiles(a!, b!, { probability: 0.9 });
    expect(r.estimate).toBeCloseTo(direct.relative.estimate, 12);
    expect(r.ci).toEqual(direct.relative.ci);
    expect(r.pValue).toBe(direct.pValue);
    expect(r.estimate).toBeGreaterThan(0.1);
  });

  it("is insufficient data without the summary's quantile entry (or with another probability)", () => {
    const none = evaluate(plan, summarizeEvents(events(), { experiment: "e" }));
    expect(none.treatments[0]!.metrics[0]).toMatchObject({
      verdict: "insufficient-data",
      warning: "metric-not-recorded",
    });
    expect(none.decision).toBe("continue");
    const other = summarizeEvents(events(), {
      experiment: "e",
      quantiles: [{ metric: "latency_ms", probability: 0.5, ignoreZeros: true }],
    });
    expect(evaluate(plan, other).treatments[0]!.metrics[0]!.warning).toBe("metric-not-recorded");
  });

  it("warns that the quantile test is fixed-horizon only in a sequential plan", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      quantiles: [{ metric: "latency_ms", ...quantile }],
    });
    const report = evaluate({ ...plan, sequential: { tuning: 2000 } }, summary);
    expect(
      report.warnings.some((w) => /"latency_p90": the quantile test is fixed-horizon only/.test(w)),
    ).toBe(true);
  });

  it("checks the quantile setting, naming the field", () => {
    const bad =
      (metric: Record<string, unknown>, role = "primary") =>
      () =>
        resolvePlan({ control: "a", primary: [{ metric: "p" }], [role]: [{ metric: "m", ...metric }] });
    expect(bad({ quantile: { probability: 1 } })).toThrow(/plan\.primary\[0\]\.quantile\.probability/);
    expect(bad({ quantile: { probability: 0.9, ignoreZeros: "yes" } })).toThrow(/quantile\.ignoreZeros/);
    expect(bad({ quantile: { probability: 0.9, level: 2 } })).toThrow(/quantile\.level: is not a quantile/);
    expect(bad({ quantile: { probability: 0.9 }, capping: { value: 1 } })).toThrow(
      /a quantile metric cannot also have capping/,
    );
    expect(bad({ quantile: { probability: 0.9 } }, "guardrails")).toThrow(
      /plan\.guardrails\[0\]\.quantile: a quantile metric cannot be a guardrail yet/,
    );
  });

  it("checks a summary's quantile entries, naming the field", () => {
    const base = { experiment: "e", variants: [], metrics: [] };
    const entry = (variant: Record<string, unknown>, probability = 0.9) => ({
      ...base,
      quantiles: [{ metric: "m", probability, confidence: 0.95, ignoreZeros: false, variants: [variant] }],
    });
    const good = {
      variantId: "a",
      n: 10,
      estimate: 1,
      rank: 9,
      lower: 0,
      lowerRank: 7,
      upper: 2,
      upperRank: 10,
      coverage: 0.9,
    };
    expect(() => checkSummary(entry(good))).not.toThrow();
    expect(() => checkSummary(entry(good, 1.5))).toThrow(/summary\.quantiles\[0\]\.probability/);
    expect(() => checkSummary(entry({ ...good, lowerRank: 1.5 }))).toThrow(
      /summary\.quantiles\[0\]\.variants\[0\]\.lowerRank/,
    );
    expect(() => checkSummary(entry({ ...good, upper: Number.NaN }))).toThrow(
      /summary\.quantiles\[0\]\.variants\[0\]\.upper/,
    );
  });
});
