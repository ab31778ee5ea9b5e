import { type StoredEvent, summarizeEvents } from "@assay/core";
import { compareRatio, evaluate } from "@assay/stats";
import { describe, expect, test } from "vitest";
import { parseManifest } from "../src/index.js";
import { formattedIssues } from "./expectations.js";

const experiment = (analysis: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
analysis = { ${analysis}, minimum_sample = 100 }
`;

const METRICS = `
[[metrics]]
name = "orders"
outcome = "order_placed"
kind = "proportion"
description = "placed at least one order"

[[metrics]]
name = "latency"
outcome = "latency_ms"
direction = "decrease"
`;

describe("[[metrics]]", () => {
  test("are listed on the manifest in order, each with its outcome (default: its name)", () => {
    const manifest = parseManifest(
      `${experiment('primary = ["orders"]')}${METRICS}\n[[metrics]]\nname = "revenue"\n`,
      "assay.toml",
    );
    expect(manifest.metrics).toEqual([
      {
        name: "orders",
        outcome: "order_placed",
        kind: "proportion",
        description: "placed at least one order",
        path: ["metrics", 0],
      },
      { name: "latency", outcome: "latency_ms", direction: "decrease", path: ["metrics", 1] },
      { name: "revenue", outcome: "revenue", path: ["metrics", 2] },
    ]);
    expect(Object.isFrozen(manifest.metrics[0])).toBe(true);
  });

  test("a plan names a definition: it reads the definition's outcome, kind and direction", () => {
    const manifest = parseManifest(
      `${experiment('primary = ["orders"], guardrails = ["latency", { metric = "errors", direction = "decrease" }]')}${METRICS}`,
      "assay.toml",
    );
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    expect(plan.primary).toEqual([
      {
        metric: "orders",
        outcome: "order_placed",
        type: "proportion",
        direction: "increase",
        scale: "relative",
      },
    ]);
    expect(plan.guardrails).toEqual([
      { metric: "latency", outcome: "latency_ms", direction: "decrease", scale: "relative", margin: 0 },
      { metric: "errors", direction: "decrease", scale: "relative", margin: 0 },
    ]);
  });

  test("a plan entry's own direction wins over the definition's", () => {
    const manifest = parseManifest(
      `${experiment('primary = [{ metric = "latency", direction = "increase" }]')}${METRICS}`,
      "assay.toml",
    );
    expect(manifest.plugins[0]!.experiments[0]!.analysis!.primary[0]).toMatchObject({
      metric: "latency",
      outcome: "latency_ms",
      direction: "increase",
    });
  });

  test("evaluate reads the definition's outcome from the summary and reports under the metric's name", () => {
    const manifest = parseManifest(`${experiment('primary = ["orders"]')}${METRICS}`, "assay.toml");
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    const n = 2000;
    const report = evaluate(plan, {
      experiment: "exp",
      variants: [
        { variantId: "control", exposedUnits: n, exposures: n },
        { variantId: "treatment", exposedUnits: n, exposures: n },
      ],
      metrics: [
        {
          metric: "order_placed",
          kind: "bool",
          variants: [
            { variantId: "control", n, sum: 200, sumSquares: 200 },
            { variantId: "treatment", n, sum: 300, sumSquares: 300 },
          ],
        },
      ],
    });
    const result = report.treatments[0]!.metrics[0]!;
    expect(result.metric).toBe("orders");
    expect(result.verdict).toBe("win");
    expect(report.decision).toBe("ship");
    expect(report.warnings).not.toContain('metric "orders" has no recorded outcomes');
    // without the outcome recorded, the warning names what the metric reads
    const empty = evaluate(plan, {
      experiment: "exp",
      variants: [
        { variantId: "control", exposedUnits: n, exposures: n },
        { variantId: "treatment", exposedUnits: n, exposures: n },
      ],
      metrics: [],
    });
    expect(empty.warnings).toContain('metric "orders" has no recorded outcomes (it reads "order_placed")');
  });

  test("mistakes are reported with file:line:col, all at once", () => {
    const issues = formattedIssues(`${experiment('primary = ["orders"]')}
[[metrics]]
name = "orders"
kind = "ratio "
direction = "up"
outcom = "x"

[[metrics]]
name = "orders"

[[metrics]]
outcome = ""
`);
    expect(issues).toEqual([
      expect.stringMatching(/^assay\.toml:12:8: metrics\[0\]\.kind: .*"mean".*"proportion"/),
      expect.stringMatching(/^assay\.toml:13:13: metrics\[0\]\.direction: .*"increase"/),
      expect.stringMatching(
        /^assay\.toml:14:1: metrics\[0\]\.outcom: unknown key `outcom` in metric.*`outcome`/,
      ),
      expect.stringMatching(
        /^assay\.toml:17:8: metrics\[1\]\.name: duplicate metric name `orders`, first declared on line 11/,
      ),
      expect.stringMatching(/^assay\.toml:19:1: metrics\[2\]\.name: missing required key `name`/),
      expect.stringMatching(/^assay\.toml:20:11: metrics\[2\]\.outcome: /),
    ]);
  });
  test('kind = "ratio": the plan metric reads its numerator and denominator, end to end with a store summary', () => {
    const manifest = parseManifest(
      `${experiment('primary = [{ metric = "revenue_per_order", scale = "absolute" }]')}
[[metrics]]
name = "revenue_per_order"
kind = "ratio"
numerator = "revenue"
denominator = "orders"
`,
      "assay.toml",
    );
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    expect(plan.primary[0]).toEqual({
      metric: "revenue_per_order",
      ratio: { numerator: "revenue", denominator: "orders" },
      direction: "increase",
      scale: "absolute",
    });
    // 400 users per arm with 0-3 orders of varying value; the summary of the in-memory reference store
    const events: StoredEvent[] = [];
    const at = new Date(Date.UTC(2026, 0, 1));
    for (let u = 0; u < 800; u++) {
      const variantId = u % 2 === 0 ? "control" : "treatment";
      const userId = `u${u}`;
      events.push({
        type: "exposure",
        eventId: `x${u}`,
        experiment: "exp",
        variantId,
        userId,
        timestamp: at,
      });
      for (let k = 0; k < u % 4; k++) {
        const later = new Date(at.getTime() + 1000 * (k + 1));
        const value = 20 + ((u * 7 + k * 13) % 30) + (variantId === "treatment" ? 3 : 0);
        events.push(
          {
            type: "outcome",
            eventId: `r${u}.${k}`,
            experiment: "exp",
            metric: "revenue",
            value: { kind: "numeric", value },
            userId,
            timestamp: later,
          },
          {
            type: "outcome",
            eventId: `o${u}.${k}`,
            experiment: "exp",
            metric: "orders",
            value: { kind: "count", value: 1 },
            userId,
            timestamp: later,
          },
        );
      }
    }
    const summary = summarizeEvents(events, {
      experiment: "exp",
      ratios: [{ numerator: "revenue", denominator: "orders" }],
    });
    const result = evaluate(plan, summary).treatments[0]!.metrics[0]!;
    const stats = (variantId: string) => {
      const of = (metric: string) =>
        summary.metrics.find((m) => m.metric === metric)!.variants.find((v) => v.variantId === variantId)!;
      return {
        n: of("revenue").n,
        sumNumerator: of("revenue").sum,
        sumDenominator: of("orders").sum,
        sumNumeratorSquares: of("revenue").sumSquares,
        sumDenominatorSquares: of("orders").sumSquares,
        sumProducts: summary.ratios![0]!.variants.find((v) => v.variantId === variantId)!.sumProducts,
      };
    };
    const expected = compareRatio(stats("control"), stats("treatment"), { scale: "absolute" });
    expect(result.metric).toBe("revenue_per_order");
    expect(result.estimate).toBeCloseTo(expected.estimate, 12);
    expect(result.pValue).toBeCloseTo(expected.pValue, 12);
    expect(result.estimate).toBeGreaterThan(0);
  });

  test("a ratio needs its numerator and denominator, and only a ratio has them", () => {
    const issues = formattedIssues(`${experiment('primary = ["a"]')}
[[metrics]]
name = "a"
kind = "ratio"
outcome = "x"
numerator = "revenue"

[[metrics]]
name = "b"
denominator = "orders"
`);
    expect(issues).toEqual([
      expect.stringMatching(/^assay\.toml:10:1: metrics\[0\]: a ratio metric needs `denominator`/),
      expect.stringMatching(
        /^assay\.toml:13:1: metrics\[0\]\.outcome: a ratio metric reads its `numerator` and `denominator`/,
      ),
      expect.stringMatching(/^assay\.toml:18:1: metrics\[1\]\.denominator: applies to ratio metrics only/),
    ]);
  });
  test("capping = { percentile } or { value }: the plan metric carries it; mistakes at file:line:col", () => {
    const manifest = parseManifest(
      `${experiment('primary = ["revenue_capped"], secondary = ["big_orders"]')}
[[metrics]]
name = "revenue_capped"
outcome = "revenue"
capping = { percentile = 0.99 }

[[metrics]]
name = "big_orders"
outcome = "revenue"
capping = { value = 500 }
`,
      "assay.toml",
    );
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    expect(plan.primary[0]).toMatchObject({
      metric: "revenue_capped",
      outcome: "revenue",
      capping: { percentile: 0.99 },
    });
    expect(plan.secondary?.[0]).toMatchObject({ metric: "big_orders", capping: { value: 500 } });
    const issues = formattedIssues(`${experiment('primary = ["a"]')}
[[metrics]]
name = "a"
capping = { percentile = 1.5 }

[[metrics]]
name = "b"
capping = { percentile = 0.9, value = 3 }

[[metrics]]
name = "c"
kind = "ratio"
numerator = "x"
denominator = "y"
capping = { value = 3 }
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:12:26: metrics\[0\]\.capping\.percentile: must be a number strictly between 0 and 1/,
      ),
      expect.stringMatching(
        /^assay\.toml:16:11: metrics\[1\]\.capping: must be a table with one of `percentile` or `value`/,
      ),
      expect.stringMatching(
        /^assay\.toml:23:1: metrics\[2\]\.capping: caps one outcome's per-unit values; a ratio metric cannot be capped/,
      ),
    ]);
  });
  test('window = "7d": the plan metric carries it in milliseconds; mistakes at file:line:col', () => {
    const manifest = parseManifest(
      `${experiment('primary = ["converted_7d"]')}
[[metrics]]
name = "converted_7d"
outcome = "converted"
window = "7d"
`,
      "assay.toml",
    );
    expect(manifest.plugins[0]!.experiments[0]!.analysis!.primary[0]).toMatchObject({
      metric: "converted_7d",
      outcome: "converted",
      windowMs: 7 * 86_400_000,
    });
    expect(manifest.metrics[0]).toMatchObject({ windowMs: 604_800_000 });
    const issues = formattedIssues(`${experiment('primary = ["a"]')}
[[metrics]]
name = "a"
window = "7 days"

[[metrics]]
name = "b"
window = "36h"
capping = { value = 1 }
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:12:10: metrics\[0\]\.window: must be a duration like "7d", "36h" or "30m".*got "7 days"/,
      ),
      expect.stringMatching(
        /^assay\.toml:16:1: metrics\[1\]\.window: a metric cannot be both windowed and capped yet/,
      ),
    ]);
  });
  test("cuped = true, pre_window (default 14d): the plan metric carries the pre-period; mistakes at file:line:col", () => {
    const manifest = parseManifest(
      `${experiment('primary = ["spend"], secondary = ["spend_30d"]')}
[[metrics]]
name = "spend"
cuped = true

[[metrics]]
name = "spend_30d"
outcome = "spend"
cuped = true
pre_window = "30d"
`,
      "assay.toml",
    );
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    expect(plan.primary[0]).toMatchObject({ metric: "spend", cuped: { preWindowMs: 14 * 86_400_000 } });
    expect(plan.secondary?.[0]).toMatchObject({
      metric: "spend_30d",
      cuped: { preWindowMs: 30 * 86_400_000 },
    });
    const issues = formattedIssues(`${experiment('primary = ["a"]')}
[[metrics]]
name = "a"
pre_window = "7d"

[[metrics]]
name = "b"
cuped = true
window = "1d"
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:12:1: metrics\[0\]\.pre_window: is CUPED's pre-period: add cuped = true/,
      ),
      expect.stringMatching(
        /^assay\.toml:16:1: metrics\[1\]\.cuped: a ratio, capped or windowed metric cannot use CUPED yet/,
      ),
    ]);
  });
  test('kind = "quantile", quantile = 0.9, ignore_zeros: the plan metric carries it; mistakes at file:line:col', () => {
    const manifest = parseManifest(
      `${experiment('primary = ["latency_p90"], secondary = ["revenue_p50"]')}
[[metrics]]
name = "latency_p90"
outcome = "latency_ms"
kind = "quantile"
quantile = 0.9
ignore_zeros = true
direction = "decrease"

[[metrics]]
name = "revenue_p50"
outcome = "revenue"
kind = "quantile"
quantile = 0.5
`,
      "assay.toml",
    );
    expect(manifest.metrics[0]).toMatchObject({ kind: "quantile", quantile: 0.9, ignoreZeros: true });
    const plan = manifest.plugins[0]!.experiments[0]!.analysis!;
    expect(plan.primary[0]).toEqual({
      metric: "latency_p90",
      outcome: "latency_ms",
      quantile: { probability: 0.9, ignoreZeros: true },
      direction: "decrease",
      scale: "relative",
    });
    expect(plan.secondary?.[0]).toMatchObject({
      metric: "revenue_p50",
      outcome: "revenue",
      quantile: { probability: 0.5 },
    });
    expect(plan.secondary?.[0]?.type).toBeUndefined();
    const issues = formattedIssues(`${experiment('primary = ["a"]')}
[[metrics]]
name = "a"
kind = "quantile"

[[metrics]]
name = "b"
kind = "quantile"
quantile = 1

[[metrics]]
name = "c"
quantile = 0.9
ignore_zeros = true

[[metrics]]
name = "d"
kind = "quantile"
quantile = 0.9
capping = { value = 3 }

[[metrics]]
name = "e"
kind = "quantile"
quantile = 0.9
window = "7d"

[[metrics]]
name = "f"
kind = "quantile"
quantile = 0.9
cuped = true
`);
    expect(issues).toEqual([
      expect.stringMatching(/^assay\.toml:10:1: metrics\[0\]: a quantile metric needs `quantile`/),
      expect.stringMatching(
        /^assay\.toml:17:12: metrics\[1\]\.quantile: must be a number strictly between 0 and 1/,
      ),
      expect.stringMatching(
        /^assay\.toml:21:1: metrics\[2\]\.quantile: applies to quantile metrics only: add kind = "quantile"/,
      ),
      expect.stringMatching(
        /^assay\.toml:22:1: metrics\[2\]\.ignore_zeros: applies to quantile metrics only/,
      ),
      expect.stringMatching(
        /^assay\.toml:28:1: metrics\[3\]\.capping: a quantile metric cannot use capping yet/,
      ),
      expect.stringMatching(
        /^assay\.toml:34:1: metrics\[4\]\.window: a quantile metric cannot use window yet/,
      ),
      expect.stringMatching(/^assay\.toml:40:1: metrics\[5\]\.cuped: a quantile metric cannot use cuped yet/),
    ]);
    const guardrail = formattedIssues(`${experiment('primary = ["m"], guardrails = ["latency_p90"]')}
[[metrics]]
name = "latency_p90"
kind = "quantile"
quantile = 0.9
`);
    expect(guardrail).toEqual([
      expect.stringMatching(/^assay\.toml:\d+:\d+: .*a quantile metric cannot be a guardrail yet/),
    ]);
  });
});
