import { type StoredEvent, summarizeEvents } from "@assay/core";
import { describe, expect, it } from "vitest";
import { evaluate, resolvePlan } from "../src/index.js";

const DAY = 86_400_000;

describe("evaluate: windowed metrics", () => {
  // 200 units per arm converting on day 0 (control 20%, treatment 40%) and everyone converting on day 9
  function events(): StoredEvent[] {
    const out: StoredEvent[] = [];
    const start = Date.UTC(2026, 0, 1);
    for (let u = 0; u < 400; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      out.push({
        type: "exposure",
        eventId: `x${u}`,
        experiment: "e",
        variantId,
        userId,
        timestamp: new Date(start),
      });
      const early = variantId === "control" ? u % 10 < 2 : u % 10 < 4; // 1 in 5, 2 in 5
      const buy = (id: string, at: number): StoredEvent => ({
        type: "outcome",
        eventId: id,
        experiment: "e",
        metric: "converted",
        value: { kind: "bool", value: true },
        userId,
        timestamp: new Date(at),
      });
      if (early) out.push(buy(`a${u}`, start + 3_600_000));
      out.push(buy(`b${u}`, start + 9 * DAY));
    }
    return out;
  }
  const plan = {
    control: "control",
    primary: [
      { metric: "converted_7d", outcome: "converted", windowMs: 7 * DAY, scale: "absolute" as const },
    ],
    secondary: [{ metric: "converted", scale: "absolute" as const }],
    minimumSample: 100,
  };

  it("measures the outcomes inside the window only, beside the same outcome unwindowed", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      windowed: [{ metric: "converted", windowMs: 7 * DAY }],
    });
    const [windowed, all] = evaluate(plan, summary).treatments[0]!.metrics;
    expect(windowed).toMatchObject({
      metric: "converted_7d",
      type: "proportion",
      controlMean: 0.2,
      treatmentMean: 0.4,
    });
    expect(all).toMatchObject({ metric: "converted", controlMean: 1, treatmentMean: 1 });
  });

  it("is insufficient data without the windowed statistics, and checks the window", () => {
    const summary = summarizeEvents(events(), {
      experiment: "e",
      windowed: [{ metric: "converted", windowMs: DAY }],
    });
    expect(evaluate(plan, summary).treatments[0]!.metrics[0]).toMatchObject({ verdict: "insufficient-data" });
    expect(() => resolvePlan({ control: "a", primary: [{ metric: "m", windowMs: 0 }] })).toThrow(
      /plan\.primary\[0\]\.windowMs/,
    );
  });
});
