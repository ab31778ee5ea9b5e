import { cappedSummary, type StoredEvent, summarizeEvents } from "@assay/core";
import { describe, expect, it } from "vitest";
import { compare, evaluate, resolvePlan } from "../src/index.js";
import { rng } from "./helpers.js";

describe("evaluate: capped metrics", () => {
  /** 300 units per arm; one whale in the treatment; revenue 10 or 20 otherwise. */
  function events(): StoredEvent[] {
    const out: StoredEvent[] = [];
    const at = new Date(Date.UTC(2026, 0, 1));
    for (let u = 0; u < 600; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      out.push({ type: "exposure", eventId: `x${u}`, experiment: "e", variantId, userId, timestamp: at });
      const value = u === 1 ? 100_000 : u % 3 === 0 ? 0 : u % 3 === 1 ? 10 : 20;
      if (value > 0) {
        const later = new Date(at.getTime() + 1000);
        out.push({
          type: "outcome",
          eventId: `o${u}`,
          experiment: "e",
          metric: "revenue",
          value: { kind: "numeric", value },
          userId,
          timestamp: later,
        });
      }
    }
    return out;
  }
  const plan = (capping: { value: number } | { percentile: number }) => ({
    control: "control",
    primary: [{ metric: "revenue_capped", outcome: "revenue", capping, scale: "absolute" as const }],
    secondary: [{ metric: "revenue", scale: "absolute" as const }],
    minimumSample: 100,
  });

  it("measures the store's capped statistics, reports the cap, and keeps the uncapped metric apart", () => {
    const capping = { percentile: 0.99 };
    const summary = summarizeEvents(events(), {
      experiment: "e",
      capped: [{ metric: "revenue", ...capping }],
    });
    const report = evaluate(plan(capping), summary);
    const [capped, raw] = report.treatments[0]!.metrics;
    expect(capped!.metric).toBe("revenue_capped");
    expect(capped!.cap).toBe(summary.capped![0]!.cap);
    expect(capped!.cap).toBe(20); // the whale is above the pooled p99
    const stats = (v: string) => summary.capped![0]!.variants.find((x) => x.variantId === v)!;
    expect(capped!.estimate).toBeCloseTo(
      compare(stats("control"), stats("treatment"), { scale: "absolute" }).estimate,
      12,
    );
    expect(raw!.metric).toBe("revenue");
    expect(raw!.cap).toBeUndefined();
    expect(raw!.treatmentMean).toBeGreaterThan(300); // the whale, uncapped
    expect(capped!.treatmentMean).toBeLessThan(20);
  });

  it("is insufficient data, never read uncapped, when the summary has no capped statistics for it", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      capped: [{ metric: "revenue", value: 50 }],
    });
    const report = evaluate(plan({ percentile: 0.99 }), summary); // asked for another capping
    expect(report.treatments[0]!.metrics[0]).toMatchObject({
      verdict: "insufficient-data",
      warning: "metric-not-recorded",
    });
    expect(report.decision).toBe("continue");
  });

  it("checks the capping, naming the field", () => {
    const bad = (capping: unknown) => () =>
      resolvePlan({ control: "a", primary: [{ metric: "m", capping }] });
    expect(bad({ percentile: 1.5 })).toThrow(/plan\.primary\[0\]\.capping\.percentile/);
    expect(bad({ value: 1, percentile: 0.5 })).toThrow(
      /plan\.primary\[0\]\.capping: must be \{ value \} or \{ percentile \}/,
    );
    expect(() =>
      resolvePlan({
        control: "a",
        primary: [{ metric: "m", capping: { value: 1 }, ratio: { numerator: "x", denominator: "y" } }],
      }),
    ).toThrow(/a ratio metric cannot be capped/);
  });
});

describe("capping at the pooled p99: A/A false positives (simulation, fixed seed)", () => {
  it("lognormal σ = 2 revenue, 1,000 units per arm, 2,000 runs: 4-6% at alpha 0.05", () => {
    const random = rng(99);
    const runs = 2000;
    const n = 1000;
    let positives = 0;
    for (let run = 0; run < runs; run++) {
      const valued = [];
      for (let u = 0; u < 2 * n; u++) {
        valued.push({ variantId: u < n ? "a" : "b", value: Math.exp(2 * random.normal()) });
      }
      const capped = cappedSummary(
        { metric: "revenue", percentile: 0.99 },
        valued,
        new Map([
          ["a", n],
          ["b", n],
        ]),
      );
      const r = compare(capped.variants[0]!, capped.variants[1]!, { scale: "absolute" });
      if (r.pValue < 0.05) positives++;
    }
    const rate = positives / runs;
    console.log(`capped at p99, A/A false positives: ${rate}`);
    expect(rate).toBeGreaterThanOrEqual(0.04);
    expect(rate).toBeLessThanOrEqual(0.06);
  });
});
