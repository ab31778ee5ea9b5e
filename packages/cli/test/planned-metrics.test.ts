import { parseManifest } from "@assay/config";
import { type StoredEvent, summarizeEvents } from "@assay/core";
import { describe, expect, it } from "vitest";
import {
  plannedCaps,
  plannedMetrics,
  plannedOutcomes,
  plannedRatios,
  plannedWindows,
  renderReport,
  reportOf,
} from "../src/commands/report.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
analysis = { primary = ["revenue_per_order"], secondary = ["orders", "clicks", "revenue_capped", "clicks_1d"], minimum_sample = 50 }

[[metrics]]
name = "revenue_per_order"
kind = "ratio"
numerator = "revenue"
denominator = "order_count"

[[metrics]]
name = "orders"
outcome = "order_placed"

[[metrics]]
name = "revenue_capped"
outcome = "revenue"
capping = { percentile = 0.99 }

[[metrics]]
name = "clicks_1d"
outcome = "clicks"
window = "1d"
`;

describe("what assay results asks the store for", () => {
  const experiment = parseManifest(MANIFEST, "assay.toml").plugins[0]!.experiments[0]!;

  it("the plan's metric names (for --metric), the outcomes they read, and the ratio pairs", () => {
    expect(plannedMetrics(experiment)).toEqual([
      "revenue_per_order",
      "orders",
      "clicks",
      "revenue_capped",
      "clicks_1d",
    ]);
    expect(plannedOutcomes(experiment)).toEqual([
      "revenue",
      "order_count",
      "order_placed",
      "clicks",
      "revenue",
      "clicks",
    ]);
    expect(plannedRatios(experiment)).toEqual([{ numerator: "revenue", denominator: "order_count" }]);
    expect(plannedCaps(experiment)).toEqual([{ metric: "revenue", percentile: 0.99 }]);
    expect(plannedWindows(experiment)).toEqual([{ metric: "clicks", windowMs: 86_400_000 }]);
  });

  it("nothing for an experiment without a plan", () => {
    const bare = { ...experiment, analysis: undefined };
    expect(plannedOutcomes(bare)).toBeUndefined();
    expect(plannedRatios(bare)).toEqual([]);
    expect(plannedCaps(bare)).toEqual([]);
    expect(plannedWindows(bare)).toEqual([]);
  });
  it("asks the store for what the plan needs, and the report says how each metric was computed", () => {
    const events: StoredEvent[] = [];
    const at = Date.UTC(2026, 0, 1);
    for (let u = 0; u < 300; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      events.push({
        type: "exposure",
        eventId: `x${u}`,
        experiment: "checkout",
        variantId,
        userId,
        timestamp: new Date(at),
      });
      const outcome = (metric: string, value: number, ms: number): StoredEvent => ({
        type: "outcome",
        eventId: `${metric}${u}`,
        experiment: "checkout",
        metric,
        value:
          metric === "order_placed"
            ? { kind: "bool", value: true }
            : { kind: metric === "order_count" ? "count" : "numeric", value },
        userId,
        timestamp: new Date(at + ms),
      });
      if (u % 3 !== 0) {
        events.push(
          outcome("revenue", 10 + (u % 7) + (u === 1 ? 10_000 : 0), 1000),
          outcome("order_count", 1 + (u % 2), 1000),
        );
        events.push(
          outcome("order_placed", 1, 1000),
          outcome("clicks", 1 + (u % 4), u % 2 === 0 ? 1000 : 2 * 86_400_000),
        );
      }
    }
    const summary = summarizeEvents(events, {
      experiment: "checkout",
      ratios: plannedRatios(experiment),
      capped: plannedCaps(experiment),
      windowed: plannedWindows(experiment),
    });
    const text = renderReport(reportOf(experiment, summary, undefined));
    expect(text).toContain("revenue_per_order: ratio revenue / order_count");
    expect(text).toMatch(/revenue_capped: capped at \d+ \(pooled p99\)/);
    expect(text).toContain("clicks_1d: outcomes within 1d of first exposure");
    expect(text).not.toContain("insufficient-data");
  });
});
