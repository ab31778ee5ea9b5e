import { type StoredEvent, summarizeEvents } from "@assay/core";
import { describe, expect, it } from "vitest";
import { compare, evaluate, resolvePlan } from "../src/index.js";
import { rng } from "./helpers.js";

describe("CUPED with a pre-period covariate (simulation, fixed seed)", () => {
  it("correlation 0.7: variance 0.51 ± 0.03 of the unadjusted, no bias, 95 ± 1.5% coverage over 2,000 runs", () => {
    const random = rng(2026_12_02);
    const runs = 2000;
    const n = 500;
    const rho = 0.7;
    const effect = 0.1;
    let ratioSum = 0;
    let estimateSum = 0;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      const arm = (shift: number) => {
        let sy = 0;
        let syy = 0;
        let sx = 0;
        let sxx = 0;
        let sxy = 0;
        for (let i = 0; i < n; i++) {
          const x = random.normal();
          const y = shift + rho * x + Math.sqrt(1 - rho * rho) * random.normal();
          sy += y;
          syy += y * y;
          sx += x;
          sxx += x * x;
          sxy += x * y;
        }
        return {
          stats: { n, sum: sy, sumSquares: syy },
          covariate: { sum: sx, sumSquares: sxx, sumProducts: sxy },
        };
      };
      const a = arm(0);
      const b = arm(effect);
      const plain = compare(a.stats, b.stats, { scale: "absolute" });
      const adjusted = compare(a.stats, b.stats, {
        scale: "absolute",
        cuped: { control: a.covariate, treatment: b.covariate },
      });
      ratioSum += (adjusted.standardError / plain.standardError) ** 2;
      estimateSum += adjusted.estimate;
      if (adjusted.ci[0] <= effect && effect <= adjusted.ci[1]) covered++;
    }
    const ratio = ratioSum / runs;
    console.log(
      `CUPED, rho 0.7: variance ratio ${ratio.toFixed(4)}, mean estimate ${(estimateSum / runs).toFixed(4)}, coverage ${covered / runs}`,
    );
    expect(Math.abs(ratio - 0.51)).toBeLessThanOrEqual(0.03);
    // SE of one adjusted estimate ≈ √(2·0.51/500) = 0.045; of the mean of 2,000 ≈ 0.001
    expect(Math.abs(estimateSum / runs - effect)).toBeLessThan(0.004);
    expect(Math.abs(covered / runs - 0.95)).toBeLessThanOrEqual(0.015);
  });
});

describe("evaluate: CUPED metrics", () => {
  const DAY = 86_400_000;
  /** 400 users per arm whose pre-period spend predicts their spend in the experiment. */
  function events(): StoredEvent[] {
    const random = rng(5);
    const out: StoredEvent[] = [];
    const start = Date.UTC(2026, 0, 15);
    for (let u = 0; u < 800; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      const habit = 50 + 20 * random.normal();
      const spend = (id: string, value: number, at: number): StoredEvent => ({
        type: "outcome",
        eventId: id,
        experiment: "e",
        metric: "spend",
        value: { kind: "numeric", value },
        userId,
        timestamp: new Date(at),
      });
      out.push(spend(`pre${u}`, habit + 5 * random.normal(), start - 3 * DAY)); // before first exposure
      out.push({
        type: "exposure",
        eventId: `x${u}`,
        experiment: "e",
        variantId,
        userId,
        timestamp: new Date(start),
      });
      out.push(
        spend(`in${u}`, habit + 5 * random.normal() + (variantId === "treatment" ? 2 : 0), start + DAY),
      );
    }
    return out;
  }
  const plan = {
    control: "control",
    primary: [{ metric: "spend", cuped: { preWindowMs: 14 * DAY }, scale: "absolute" as const }],
    minimumSample: 100,
  };

  it("adjusts with the summary's covariates and reports the variance reduction", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      cuped: [{ metric: "spend", preWindowMs: 14 * DAY }],
    });
    const result = evaluate(plan, summary).treatments[0]!.metrics[0]!;
    const plain = evaluate({ ...plan, primary: [{ metric: "spend", scale: "absolute" as const }] }, summary)
      .treatments[0]!.metrics[0]!;
    expect(result.cupedPreWindowMs).toBe(14 * DAY);
    expect(result.varianceReduction).toBeCloseTo(1 - (result.standardError / plain.standardError) ** 2, 12);
    expect(result.varianceReduction).toBeGreaterThan(0.8); // the habit explains most of the spend
    expect(result.standardError).toBeLessThan(0.45 * plain.standardError);
    expect(Math.abs(result.estimate - 2)).toBeLessThan(3 * result.standardError); // the true effect is +2
  });

  it("without the covariates it is tested unadjusted and says so; cuped is refused where it does not apply", () => {
    const report = evaluate(plan, summarizeEvents(events(), { experiment: "e" }));
    expect(report.treatments[0]!.metrics[0]!.varianceReduction).toBeUndefined();
    expect(report.warnings).toContain(
      'metric "spend": no pre-period data in the summary; tested without CUPED',
    );
    expect(() =>
      resolvePlan({
        control: "a",
        primary: [{ metric: "x" }],
        guardrails: [{ metric: "m", cuped: { preWindowMs: 1 } }],
      }),
    ).toThrow(/plan\.guardrails\[0\]\.cuped: applies to primary and secondary metrics/);
    expect(() =>
      resolvePlan({ control: "a", primary: [{ metric: "m", cuped: { preWindowMs: -1 } }] }),
    ).toThrow(/plan\.primary\[0\]\.cuped\.preWindowMs/);
  });
  it("refuses malformed covariates, capped or windowed entries in a summary, naming the field", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      cuped: [{ metric: "spend", preWindowMs: 14 * DAY }],
    });
    const broken = (patch: object) => () => evaluate(plan, { ...summary, ...patch });
    expect(
      broken({
        cuped: [
          {
            ...summary.cuped![0]!,
            variants: [{ variantId: "control", sum: 1, sumSquares: Number.NaN, sumProducts: 0 }],
          },
        ],
      }),
    ).toThrow(/summary\.cuped\[0\]\.variants\[0\]\.sumSquares/);
    expect(broken({ capped: [{ metric: "spend", cap: Number.POSITIVE_INFINITY, variants: [] }] })).toThrow(
      /summary\.capped\[0\]\.cap/,
    );
    expect(broken({ windowed: [{ metric: "", windowMs: 1, variants: [] }] })).toThrow(
      /summary\.windowed\[0\]\.metric/,
    );
    expect(broken({ windowed: "x" })).toThrow(/summary\.windowed: must be an array/);
  });
});
