import { parseManifest } from "@assay/config";
import { describe, expect, it } from "vitest";
import {
  plannedCaps,
  plannedMetrics,
  plannedOutcomes,
  plannedRatios,
  plannedWindows,
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
});
