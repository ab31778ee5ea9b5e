import { join } from "node:path";
import { ExperimentContext, type ExperimentSummary } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { type ExperimentPlan, type ExperimentReport, evaluate } from "@assay/stats";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const VARIANTS = `variants = [
  { id = "control",   weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]`;

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "ship_test"
${VARIANTS}

[plugins.experiments.analysis]
primary = [{ metric = "checkout", direction = "increase" }]
secondary = [{ metric = "revenue", scale = "absolute" }]
guardrails = [{ metric = "errors", direction = "decrease" }]
alpha = 0.05
correction = "holm"
minimum_sample = 400

[[plugins.experiments]]
id = "breach_test"
${VARIANTS}
analysis = { primary = ["checkout"], guardrails = [{ metric = "errors", direction = "decrease" }], minimum_sample = 400 }

[[plugins.experiments]]
id = "srm_test"
${VARIANTS}
analysis = { primary = ["checkout"], minimum_sample = 400 }

[[plugins.experiments]]
id = "sequential_test"
${VARIANTS}
analysis = { primary = ["checkout"], secondary = ["revenue"], sequential = true, minimum_sample = 5000 }

[[plugins.experiments]]
id = "plain_test"
${VARIANTS}
`;

/** The plans the manifest declares, written out independently in the engine's own terms. */
const WEIGHTS = { control: 50, treatment: 50 };
const PLANS: Record<string, ExperimentPlan> = {
  ship_test: {
    control: "control",
    primary: [{ metric: "checkout", direction: "increase" }],
    secondary: [{ metric: "revenue", scale: "absolute" }],
    guardrails: [{ metric: "errors", direction: "decrease" }],
    alpha: 0.05,
    correction: "holm",
    minimumSample: 400,
    weights: WEIGHTS,
  },
  breach_test: {
    control: "control",
    primary: [{ metric: "checkout" }],
    guardrails: [{ metric: "errors", direction: "decrease" }],
    minimumSample: 400,
    weights: WEIGHTS,
  },
  srm_test: { control: "control", primary: [{ metric: "checkout" }], minimumSample: 400, weights: WEIGHTS },
  sequential_test: {
    control: "control",
    primary: [{ metric: "checkout" }],
    secondary: [{ metric: "revenue" }],
    sequential: {},
    minimumSample: 5000,
    weights: WEIGHTS,
  },
};

interface Arm {
  readonly units: number;
  /** Share of units that check out / hit an error. */
  readonly checkout: number;
  readonly errors: number;
  /** Revenue of the i-th unit. */
  readonly revenue: (i: number) => number;
}

/** Exact, deterministic data per experiment: the first round(units × rate) units convert. */
const DATA: Record<string, { control: Arm; treatment: Arm }> = {
  ship_test: {
    control: { units: 500, checkout: 0.1, errors: 0.02, revenue: (i) => (i * 37) % 100 },
    treatment: { units: 500, checkout: 0.2, errors: 0.02, revenue: (i) => ((i * 37) % 100) + 10 },
  },
  breach_test: {
    control: { units: 500, checkout: 0.1, errors: 0.02, revenue: () => 0 },
    treatment: { units: 500, checkout: 0.2, errors: 0.08, revenue: () => 0 },
  },
  srm_test: {
    control: { units: 500, checkout: 0.1, errors: 0, revenue: () => 0 },
    treatment: { units: 650, checkout: 0.2, errors: 0, revenue: () => 0 },
  },
  sequential_test: {
    control: { units: 300, checkout: 0.1, errors: 0, revenue: (i) => i % 10 },
    treatment: { units: 300, checkout: 0.11, errors: 0, revenue: (i) => i % 11 },
  },
  plain_test: {
    control: { units: 400, checkout: 0.1, errors: 0.01, revenue: (i) => i % 10 },
    treatment: { units: 400, checkout: 0.18, errors: 0.01, revenue: (i) => i % 10 },
  },
};

let dir = "";
const summaries = new Map<string, ExperimentSummary>();

/** Records every experiment's data through the runtime into the manifest's default store. */
beforeAll(async () => {
  dir = tempDir({ "assay.toml": MANIFEST });
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
  const start = Date.UTC(2026, 10, 1);
  for (const [experiment, arms] of Object.entries(DATA)) {
    const pending: Promise<void>[] = [];
    for (const [variantId, arm] of Object.entries(arms)) {
      for (let i = 0; i < arm.units; i++) {
        const ctx = ExperimentContext.forUser(`${variantId}-${i}`);
        const at = new Date(start + i * 1000);
        const after = { timestamp: new Date(start + i * 1000 + 500) };
        const variant = {
          experiment,
          variantId,
          isControl: variantId === "control",
          inExperiment: true,
          reason: "hash",
        } as const;
        pending.push(assay.expose(variant, ctx, { timestamp: at }));
        if (i < Math.round(arm.units * arm.checkout))
          pending.push(assay.track(experiment, "checkout", true, ctx, after));
        if (i < Math.round(arm.units * arm.errors))
          pending.push(assay.track(experiment, "errors", true, ctx, after));
        const revenue = arm.revenue(i);
        if (revenue !== 0) pending.push(assay.track(experiment, "revenue", revenue, ctx, after));
      }
    }
    await Promise.all(pending);
  }
  await assay.flush();
  for (const experiment of Object.keys(DATA)) summaries.set(experiment, await assay.summarize(experiment));
  await assay.close();
});

function results(...args: string[]) {
  const result = cli(["results", ...args], { cwd: dir });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** What evaluate computes directly on the store's summary, as JSON carries it (±Infinity -> null). */
function expected(experiment: string): unknown {
  const plan = PLANS[experiment];
  const summary = summaries.get(experiment);
  if (plan === undefined || summary === undefined) throw new Error(experiment);
  // the report also names the environment and phase the summary covered (one phase here: no note)
  return JSON.parse(JSON.stringify({ ...evaluate(plan, summary), scope: summary.scope }));
}

/** The cells of the report row of `metric` in the comparison table (columns are 2+ spaces apart). */
function row(stdout: string, metric: string): string[] {
  const lines = stdout.split("\n");
  const header = lines.findIndex((l) => l.startsWith("metric ") && l.includes("effect"));
  const line = lines.slice(header + 1).find((l) => l.startsWith(`${metric} `));
  if (header < 0 || line === undefined) throw new Error(`no row for ${metric} in\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

/** Asserts a printed number matches `actual` to the rounding shown: percentages to 0.01%, else 4 digits. */
function shown(cell: string | undefined, actual: number, scale: "relative" | "absolute" | "p" = "p"): void {
  const text = cell ?? "";
  if (scale === "relative") {
    expect(text).toMatch(/%$/);
    expect(Math.abs(Number(text.slice(0, -1)) / 100 - actual)).toBeLessThanOrEqual(0.00005 + 1e-12);
  } else if (scale === "absolute") {
    expect(Math.abs(Number(text) - actual)).toBeLessThanOrEqual(Math.abs(actual) * 5e-4 + 1e-12);
  } else {
    const exponent = text.includes("e");
    const tolerance = exponent ? actual * 0.05 : 0.00005 + 1e-12;
    expect(Math.abs(Number(text) - actual)).toBeLessThanOrEqual(tolerance);
  }
}

describe("assay results with an analysis plan", () => {
  it("--json prints exactly the report evaluate computes on the store's summary", () => {
    for (const experiment of Object.keys(PLANS)) {
      expect(JSON.parse(results(experiment, "--json")), experiment).toEqual(expected(experiment));
    }
  });

  it("the report's shape: decision, treatments with per-metric effects, guardrails, SRM, sample", () => {
    const report = JSON.parse(results("ship_test", "--json")) as ExperimentReport;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        "experiment",
        "control",
        "method",
        "alpha",
        "correction",
        "guardrailAlpha",
        "arms",
        "srm",
        "sample",
        "treatments",
        "decision",
        "reasons",
        "warnings",
      ]),
    );
    expect(report).toMatchObject({
      experiment: "ship_test",
      control: "control",
      method: "fixed",
      decision: "ship",
      winner: "treatment",
      sample: { minimumPerArm: 400, reached: true },
      srm: { mismatch: false, threshold: 0.001 },
      arms: [
        { variant: "control", units: 500, weight: 0.5, active: true, expectedUnits: 500 },
        { variant: "treatment", units: 500, weight: 0.5, active: true, expectedUnits: 500 },
      ],
    });
    const [treatment] = report.treatments;
    expect(treatment?.decision).toBe("ship");
    expect(treatment?.metrics.map((m) => [m.metric, m.role, m.verdict])).toEqual([
      ["checkout", "primary", "win"],
      ["revenue", "secondary", "win"],
      ["errors", "guardrail", "ok"],
    ]);
    // The guardrail's CI is both one-sided bounds of its confidence sequence, at its adjusted level.
    expect(treatment?.metrics[2]).toMatchObject({ sides: "greater", ciLevel: 0.9, ciAdjusted: true });
    expect(treatment?.metrics[2]?.ci[0]).toBeLessThan(0);
    expect(treatment?.metrics[2]?.ci[1]).toBeGreaterThan(0);
    expect(treatment?.metrics[0]).toMatchObject({ ciLevel: 0.95, ciAdjusted: false });
  });

  it("the table shows each metric's means, effect, CI, raw and adjusted p as evaluate computes them", () => {
    const stdout = results("ship_test");
    const report = expected("ship_test") as ExperimentReport;
    const metrics = report.treatments[0]?.metrics ?? [];
    expect(stdout).toContain("treatment vs control");
    for (const m of metrics) {
      const [name, role, controlMean, treatmentMean, effect, ci, p, adjusted, significant, verdict] = row(
        stdout,
        m.metric,
      );
      expect([name, role]).toEqual([m.metric, m.role]);
      shown(controlMean, m.controlMean);
      shown(treatmentMean, m.treatmentMean);
      shown(effect, m.estimate, m.scale);
      const [low, high] = (ci ?? "").slice(1, -1).split(", ");
      shown(low, m.ci[0], m.scale);
      shown(high, m.ci[1], m.scale);
      shown(p, m.pValue);
      shown(adjusted, m.adjustedPValue);
      expect(significant).toBe(m.significant ? "yes" : "no");
      expect(verdict).toBe(m.verdict === "breach" ? "BREACH" : m.verdict);
    }
    // One treatment: checkout is the primary family alone, revenue the secondary family alone.
    for (const m of metrics) expect(m.adjustedPValue).toBe(m.pValue);
    expect(stdout).toMatch(
      /^checkout\s+primary\s+0\.1000\s+0\.2000\s+\+100\.00%\s+\[\+\d+\.\d\d%, \+\d+\.\d\d%\]/m,
    );
    expect(stdout).toMatch(
      /^revenue\s+secondary\s+49\.5000\s+59\.5000\s+\+10\s+\[\+\d+\.?\d*, \+\d+\.?\d*\]/m,
    );
    expect(stdout).toMatch(
      /^errors\s+guardrail\s+0\.0200\s+0\.0200\s+0\.00%\s+\[-\d+\.\d\d%, \+\d+\.\d\d%\]/m,
    );
    // The CIs say what they are: the tests' unadjusted ones, the guardrail's at its adjusted level.
    expect(stdout).toContain(
      "CIs 95%, unadjusted (the adj. p beside them is Holm-corrected); guardrail CIs 90% (two one-sided bounds), adjusted like their p",
    );
    expect(stdout).toContain("sample: control 500, treatment 500 units; planned 400 per arm: reached");
    expect(stdout).toMatch(/sample ratio: p = 1\.0000 .*: ok/);
    expect(stdout).toContain("decision for treatment: ship: primary metric better: checkout");
    expect(stdout).toContain("decision: SHIP: ship treatment; primary metric better: checkout");
  });

  it("a breached guardrail recommends rollback even though the primary metric wins", () => {
    const stdout = results("breach_test");
    const report = expected("breach_test") as ExperimentReport;
    expect(report.decision).toBe("rollback");
    expect(row(stdout, "checkout").at(-1)).toBe("win");
    const errors = row(stdout, "errors");
    expect(errors.slice(0, 4)).toEqual(["errors", "guardrail", "0.0200", "0.0800"]);
    expect(errors.at(-2)).toBe("yes");
    expect(errors.at(-1)).toBe("BREACH");
    expect(errors[5]).toMatch(/^\[\+\d+\.\d\d%, \+\d+\.\d\d%\]$/);
    expect(stdout).toContain("decision for treatment: rollback: guardrail breached: errors");
    expect(stdout).toContain("decision: ROLLBACK: roll back treatment");
  });

  it("a sample ratio mismatch blocks shipping a winning treatment", () => {
    const stdout = results("srm_test");
    const report = expected("srm_test") as ExperimentReport;
    expect(report.srm.mismatch).toBe(true);
    expect(report.treatments[0]?.metrics[0]?.verdict).toBe("win");
    expect(report.decision).toBe("investigate-srm");
    expect(row(stdout, "checkout").at(-1)).toBe("win");
    expect(stdout).toMatch(
      /sample ratio: p = \d\.\de-\d+ \(alarm below 0\.001; expected control 575, treatment 575\): MISMATCH/,
    );
    expect(stdout).toContain("decision for treatment: investigate-srm: sample ratio mismatch");
    expect(stdout).toContain("decision: INVESTIGATE-SRM: sample ratio mismatch blocks any decision");
    expect(stdout).not.toContain("SHIP");
  });

  it("sequential: shows the method and the progress towards the planned sample, and continues", () => {
    const stdout = results("sequential_test");
    const report = expected("sequential_test") as ExperimentReport;
    expect(report).toMatchObject({ method: "sequential", sequentialTuning: 5000, decision: "continue" });
    expect(stdout).toContain("analysis plan: sequential (confidence sequences tuned for 5000 units");
    expect(stdout).toContain("planned 5000 per arm: not reached (6%)");
    expect(stdout).toContain("decision: CONTINUE: keep collecting data for treatment");
  });

  it("--metric narrows the rows shown; the decision still comes from the whole plan", () => {
    const json = JSON.parse(results("ship_test", "--metric", "checkout", "--json")) as ExperimentReport;
    const full = expected("ship_test") as ExperimentReport;
    expect(json.treatments[0]?.metrics).toEqual([full.treatments[0]?.metrics[0]]);
    expect(json.decision).toBe(full.decision);
    const stdout = results("breach_test", "--metric", "checkout");
    expect(() => row(stdout, "errors")).toThrow();
    expect(stdout).toContain("decision: ROLLBACK");
  });

  it("--metric outside the plan is a usage error naming the plan's metrics", () => {
    const result = cli(["results", "ship_test", "--metric", "signup"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--metric signup: not in the analysis plan of ship_test (checkout, revenue, errors)",
    );
  });
});

describe("assay results without an analysis plan", () => {
  const exploratoryPlan: ExperimentPlan = {
    control: "control",
    primary: [{ metric: "checkout" }],
    secondary: [{ metric: "errors" }, { metric: "revenue" }],
    weights: WEIGHTS,
  };

  it("compares every recorded metric with the control, Holm-corrected over all, and decides nothing", () => {
    const summary = summaries.get("plain_test");
    if (summary === undefined) throw new Error("no summary");
    expect(summary.metrics.map((m) => m.metric)).toEqual(["checkout", "errors", "revenue"]);
    const direct = evaluate(exploratoryPlan, summary);
    const json = JSON.parse(results("plain_test", "--json"));
    expect(json).toMatchObject({ exploratory: true, decision: "none", control: "control", method: "fixed" });
    expect(json).not.toHaveProperty("winner");
    expect(json.reasons[0]).toContain("no analysis plan in the manifest");
    const metrics = json.treatments[0].metrics;
    expect(metrics.map((m: { metric: string }) => m.metric)).toEqual(["checkout", "errors", "revenue"]);
    direct.treatments[0]?.metrics.forEach((d, i) => {
      // Everything but the correction, which here spans every metric × treatment.
      const {
        role: _r,
        direction: _d,
        verdict: _v,
        adjustedPValue: _a,
        significant: _s,
        ...numbers
      } = JSON.parse(JSON.stringify(d));
      expect(metrics[i]).toMatchObject(numbers);
      expect(metrics[i]).not.toHaveProperty("role");
    });
    expect(metrics.map((m: { verdict: string }) => m.verdict)).toEqual([
      "higher",
      "inconclusive",
      "inconclusive",
    ]);
    expect(metrics[0].adjustedPValue).toBeCloseTo(3 * metrics[0].pValue, 12);

    const stdout = results("plain_test");
    expect(stdout).toMatch(/variant\s+exposed units\s+exposures/);
    expect(stdout).toContain("exploratory analysis (no plan in the manifest)");
    const checkout = row(stdout, "checkout");
    expect(checkout.slice(0, 4)).toEqual(["checkout", "0.1000", "0.1800", "+80.00%"]);
    expect(checkout.at(-1)).toBe("higher");
    expect(stdout).toContain("decision: none: no analysis plan in the manifest");
    expect(stdout).not.toMatch(/SHIP|ROLLBACK/);
  });
});
