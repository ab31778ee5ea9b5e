import { readFileSync } from "node:fs";
import { evaluate, resolvePlan } from "@assay/stats";
import { describe, expect, test } from "vitest";
import { type ExperimentEntry, parseManifest } from "../src/index.js";
import { manifestPathOf } from "../src/schema/analysis-plan.js";
import { formattedIssues } from "./expectations.js";

const text = readFileSync(new URL("fixtures/valid/analysis.toml", import.meta.url), "utf8");

function experiments(source = text): Map<string, ExperimentEntry> {
  const manifest = parseManifest(source, "assay.toml");
  return new Map(manifest.plugins.flatMap((p) => p.experiments).map((e) => [e.id, e]));
}

const HEAD = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
`;

describe("[plugins.experiments.analysis]", () => {
  test("the full form becomes the plan evaluate takes, with control and weights from the variants", () => {
    const plan = experiments().get("checkout_button_color")?.analysis;
    expect(plan).toEqual({
      control: "control",
      primary: [{ metric: "checkout", direction: "increase", scale: "relative" }],
      secondary: [
        { metric: "revenue", direction: "increase", scale: "absolute" },
        { metric: "pageviews", direction: "increase", scale: "relative" },
      ],
      guardrails: [{ metric: "errors", direction: "decrease", scale: "relative", margin: 0.01 }],
      alpha: 0.05,
      correction: "holm",
      sequential: { tuning: 5000 },
      minimumSample: 15000,
      weights: { control: 50, treatment: 50 },
      guardrailAlpha: 0.025,
      srmThreshold: 0.0005,
    });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan?.primary)).toBe(true);
    expect(Object.isFrozen(plan?.primary[0])).toBe(true);
  });

  test("defaults are written out: alpha 0.05, holm, relative, increase, margin 0, fixed horizon", () => {
    const entries = experiments();
    const pricing = entries.get("pricing_page")?.analysis;
    expect(pricing).toEqual({
      control: "control",
      primary: [{ metric: "upgrade", direction: "increase", scale: "absolute" }],
      secondary: [],
      guardrails: [],
      alpha: 0.05,
      correction: "bh",
      sequential: { tuning: 5000 },
      weights: { control: 5, annual_first: 3, monthly_first: 2 },
      guardrailAlpha: 0.05,
      srmThreshold: 0.001,
    });
    const search = entries.get("search_ranking")?.analysis;
    expect(search?.control).toBe("baseline");
    expect(search?.weights).toEqual({ bm25: 1, baseline: 1, off: 0 });
    expect(search).not.toHaveProperty("sequential");
    expect(search?.minimumSample).toBe(20000);
    expect(search?.guardrails).toEqual([
      { metric: "latency_ms", direction: "decrease", scale: "relative", margin: 0.05 },
      { metric: "zero_results", direction: "decrease", scale: "relative", margin: 0 },
    ]);
    expect(entries.get("no_plan")).not.toHaveProperty("analysis");
  });

  test("every plan is one the statistics engine accepts as is", () => {
    for (const entry of experiments().values()) {
      if (entry.analysis === undefined) continue;
      const resolved = resolvePlan(entry.analysis);
      expect(resolved.control).toBe(entry.analysis.control);
      expect(resolved.metrics.map((m) => m.metric)).toEqual(
        [
          ...entry.analysis.primary,
          ...(entry.analysis.secondary ?? []),
          ...(entry.analysis.guardrails ?? []),
        ].map((m) => m.metric),
      );
    }
  });

  test("the plan drives evaluate: a zero-weight arm is out of the SRM check, a planned metric is tested", () => {
    const plan = experiments().get("search_ranking")?.analysis;
    if (plan === undefined) throw new Error("no plan");
    const report = evaluate(plan, {
      experiment: "search_ranking",
      variants: [
        { variantId: "baseline", exposedUnits: 1000, exposures: 1000 },
        { variantId: "bm25", exposedUnits: 1010, exposures: 1010 },
      ],
      metrics: [
        {
          metric: "click",
          kind: "bool",
          variants: [
            { variantId: "baseline", n: 1000, sum: 100, sumSquares: 100 },
            { variantId: "bm25", n: 1010, sum: 160, sumSquares: 160 },
          ],
        },
      ],
    });
    expect(report.arms.map((a) => [a.variant, a.weight])).toEqual([
      ["baseline", 0.5],
      ["bm25", 0.5],
      ["off", 0],
    ]);
    expect(report.srm.mismatch).toBe(false);
    const bm25 = report.treatments.find((t) => t.variant === "bm25");
    expect(bm25?.metrics[0]).toMatchObject({ metric: "click", verdict: "win", significant: true });
  });

  test("sequential = false is the fixed horizon; sequential = true uses the default tuning", () => {
    const off = experiments(
      `${HEAD}analysis = { primary = ["a"], sequential = false, minimum_sample = 100 }\n`,
    ).get("exp");
    expect(off?.analysis).not.toHaveProperty("sequential");
    const on = experiments(`${HEAD}analysis = { primary = ["a"], sequential = true }\n`).get("exp");
    expect(on?.analysis?.sequential).toEqual({ tuning: 5000 });
  });

  test("an analysis mistake and a variant mistake of the same experiment are reported together", () => {
    const issues = formattedIssues(`[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "control", weight = -1, is_control = true }, { id = "treatment", weight = 1 }]
analysis = { primary = ["a", "a"], alpha = 0.5, correction = "sidak", sequential = true }
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:7:40: plugins\[0\]\.experiments\[0\]\.variants\[0\]\.weight: must be/,
      ),
      expect.stringMatching(
        /^assay\.toml:8:30: .*analysis\.primary\[1\]: duplicate metric `a`, first declared on line 8/,
      ),
      expect.stringMatching(/^assay\.toml:8:62: .*analysis\.correction: must be "holm" .* got "sidak"/),
    ]);
  });

  test("a switched-off control (weight 0) is reported at the variants", () => {
    const issues = formattedIssues(`[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "control", weight = 0, is_control = true }, { id = "b", weight = 1 }]
analysis = { primary = ["a"], sequential = true }
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:7:12: plugins\[0\]\.experiments\[0\]\.variants: the control's weight must be above 0/,
      ),
    ]);
  });

  test("no control: reported once, at the variants, and the plan is not built", () => {
    const issues = formattedIssues(`[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "a", weight = 1 }, { id = "b", weight = 1 }]
analysis = { primary = ["a"], sequential = true }
`);
    expect(issues).toEqual([
      expect.stringContaining("assay.toml:7:12: plugins[0].experiments[0].variants: no control"),
    ]);
  });
});

describe("manifestPathOf: the engine's field names as manifest keys", () => {
  const exp = ["plugins", 0, "experiments", 2] as const;
  test.each([
    ["plan.primary[0].direction", [...exp, "analysis", "primary", 0, "direction"]],
    ["plan.guardrails[1].margin", [...exp, "analysis", "guardrails", 1, "margin"]],
    ["plan.minimumSample", [...exp, "analysis", "minimum_sample"]],
    ["plan.guardrailAlpha", [...exp, "analysis", "guardrail_alpha"]],
    ["plan.srmThreshold", [...exp, "analysis", "srm_threshold"]],
    ["plan.sequential.tuning", [...exp, "analysis", "sequential", "tuning"]],
    ["plan.weights.control", [...exp, "variants"]],
    ["plan.control", [...exp, "variants"]],
    ["plan", [...exp, "analysis"]],
  ])("%s", (field, path) => {
    expect(manifestPathOf(field, exp)).toEqual(path);
  });
});
