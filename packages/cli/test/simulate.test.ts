import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../src/simulate/index.js";
import { BIN, cli, MANIFEST, tempDir } from "./helpers.js";

/** Three arms, a fixed-horizon plan: conversion primary, revenue secondary, errors a guardrail. */
const THREE_ARMS = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
variants = [
  { id = "control", weight = 1, is_control = true },
  { id = "blue", weight = 1 },
  { id = "green", weight = 1 },
]

[plugins.experiments.analysis]
primary = [{ metric = "checkout", direction = "increase" }]
secondary = [{ metric = "revenue" }]
guardrails = [{ metric = "errors", direction = "decrease" }]
minimum_sample = 5000
`;

interface Metric {
  metric: string;
  estimate: number;
  ci: [number, number];
}
interface Report {
  arms: Array<{ variant: string; units: number }>;
  srm: { mismatch: boolean };
  decision: string;
  treatments: Array<{ variant: string; metrics: Metric[] }>;
}

const END = "2026-11-30";

function simulate(dir: string, ...flags: string[]) {
  return cli(["simulate", "--manifest", join(dir, "assay.toml"), "--end", END, ...flags]);
}

function report(dir: string): Report {
  const out = cli(["results", "pricing", "--json", "--manifest", join(dir, "assay.toml")]);
  expect(out.code).toBe(0);
  return JSON.parse(out.stdout) as Report;
}

function metricOf(r: Report, variant: string, metric: string): Metric {
  return r.treatments.find((t) => t.variant === variant)!.metrics.find((m) => m.metric === metric)!;
}

describe("assay simulate", () => {
  const dir = tempDir({ "assay.toml": THREE_ARMS });
  const first = simulate(
    dir,
    "--users",
    "60000",
    "--days",
    "10",
    "--effect",
    "blue:checkout=+20%",
    "--seed",
    "7",
  );

  it("writes the counts it prints: units per arm, exposures and outcomes, over the days asked", async () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const units = /units: control ([\d,]+), blue ([\d,]+), green ([\d,]+)/.exec(first.stdout)!;
    const written = /wrote ([\d,]+) exposures and ([\d,]+) outcomes/.exec(first.stdout)!;
    const n = (s: string) => Number(s.replaceAll(",", ""));
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const summary = await assay.summarize("pricing", { daily: true });
    await assay.close();
    const stored = Object.fromEntries(summary.variants.map((v) => [v.variantId, v.exposedUnits]));
    expect(stored).toEqual({ control: n(units[1]!), blue: n(units[2]!), green: n(units[3]!) });
    expect(n(units[1]!) + n(units[2]!) + n(units[3]!)).toBe(60_000);
    expect(summary.variants.reduce((a, v) => a + v.exposures, 0)).toBe(n(written[1]!));
    expect(n(written[1]!)).toBeGreaterThan(60_000); // visitors come back
    expect(summary.unattributedOutcomes).toBe(0);
    expect(summary.daily!.map((d) => d.day)).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-11-${String(21 + i).padStart(2, "0")}`),
    );
    expect(summary.metrics.map((m) => [m.metric, m.kind])).toEqual([
      ["checkout", "bool"],
      ["errors", "bool"],
      ["revenue", "numeric"],
    ]);
    expect(n(written[2]!)).toBeGreaterThan(0);
  });

  it("builds in the true effect: recovered within its CI, and no effect where none was asked", () => {
    const r = report(dir);
    const blue = metricOf(r, "blue", "checkout");
    expect(blue.ci[0]).toBeGreaterThan(0);
    expect(blue.ci[0]).toBeLessThan(0.2);
    expect(blue.ci[1]).toBeGreaterThan(0.2);
    for (const [variant, metric] of [
      ["green", "checkout"],
      ["blue", "revenue"],
      ["green", "revenue"],
      ["blue", "errors"],
    ] as const) {
      const m = metricOf(r, variant, metric);
      expect(m.ci[0], `${variant} ${metric}`).toBeLessThan(0);
      expect(m.ci[1], `${variant} ${metric}`).toBeGreaterThan(0);
    }
    expect(r.srm.mismatch).toBe(false);
  });

  it("assay results says the data are simulated; its JSON stays the report alone", () => {
    const text = cli(["results", "pricing", "--manifest", join(dir, "assay.toml")]);
    expect(text.stdout.split("\n")[1]).toBe(
      `simulated data: 60,000 visitors over 10 days to ${END} by assay simulate --seed 7, true effects blue:checkout +20%`,
    );
    expect(report(dir)).not.toHaveProperty("simulated");
  });

  it("notes beside the manifest that the data are simulated, with the effects", () => {
    const notes = JSON.parse(readFileSync(join(dir, ".assay", "simulated.json"), "utf8"));
    expect(notes.experiments.pricing).toMatchObject({
      seed: "7",
      users: 60_000,
      days: 10,
      end: END,
      effects: ["blue:checkout +20%"],
    });
  });

  it("assay serve marks the simulated experiment's page, with the true effects", async () => {
    const child = spawn(process.execPath, [
      BIN,
      "serve",
      "--port",
      "0",
      "--manifest",
      join(dir, "assay.toml"),
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const found = /(http:\/\/\S+\/)/.exec(out)?.[1];
          if (found !== undefined) resolve(found);
        });
        child.on("exit", (code) => reject(new Error(`assay serve exited ${code}: ${out}`)));
      });
      const page = await (await fetch(new URL("/experiments/pricing", url))).text();
      expect(page).toContain('data-simulated="true"');
      expect(page).toContain("60,000 visitors over 10 days to 2026-11-30");
      expect(page).toContain("true effects built in: blue:checkout +20%");
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("is deterministic by seed: the same flags give the same report, a rerun stores nothing twice", () => {
    const other = tempDir({ "assay.toml": THREE_ARMS });
    const flags = ["--users", "3000", "--days", "5", "--effect", "checkout=+10%"];
    expect(simulate(other, ...flags, "--seed", "a").code).toBe(0);
    const again = tempDir({ "assay.toml": THREE_ARMS });
    expect(simulate(again, ...flags, "--seed", "a").code).toBe(0);
    expect(report(again)).toEqual(report(other));
    const rerun = simulate(again, ...flags, "--seed", "a");
    expect(rerun.stdout).toMatch(/were there already/);
    expect(report(again)).toEqual(report(other));
    const reseeded = tempDir({ "assay.toml": THREE_ARMS });
    expect(simulate(reseeded, ...flags, "--seed", "b").code).toBe(0);
    expect(report(reseeded).arms).not.toEqual(report(other).arms);
  });

  it("writes two experiments of one store with one seed in full (event ids are per experiment)", () => {
    const both = tempDir({ "assay.toml": MANIFEST });
    const one = cli(["simulate", "--experiment", "checkout_button_color", "--users", "500", "--end", END], {
      cwd: both,
    });
    const two = cli(["simulate", "--experiment", "onboarding", "--users", "2000", "--end", END], {
      cwd: both,
    });
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).not.toContain("were there already");
    const enrolled = /units: control ([\d,]+), short ([\d,]+), video ([\d,]+)/.exec(two.stdout)!;
    const units = enrolled.slice(1).reduce((n, x) => n + Number(x.replaceAll(",", "")), 0);
    // onboarding enrolls a quarter of the visitors (traffic = 0.25)
    expect(units).toBeGreaterThan(400);
    expect(units).toBeLessThan(600);
  });

  it("builds in a sample-ratio mismatch with --srm, which the report catches", () => {
    const srm = tempDir({ "assay.toml": THREE_ARMS });
    const out = simulate(srm, "--users", "30000", "--srm", "green=-10%");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/of green's lost \(--srm\)/);
    const r = report(srm);
    expect(r.srm.mismatch).toBe(true);
    const units = Object.fromEntries(r.arms.map((a) => [a.variant, a.units]));
    expect(units.green! / units.control!).toBeGreaterThan(0.85);
    expect(units.green! / units.control!).toBeLessThan(0.95);
  });

  it("refuses bad flags with exit 2, naming the flag, the value and what is allowed", () => {
    const bad = (...flags: string[]) => simulate(dir, ...flags);
    expect(bad("--days", "3").stderr).toContain("--users N is required");
    const unknownMetric = bad("--users", "10", "--effect", "clicks=+5%");
    expect(unknownMetric.code).toBe(2);
    expect(unknownMetric.stderr).toContain(
      'no metric "clicks" is simulated (metrics: checkout, revenue, errors)',
    );
    expect(bad("--users", "10", "--effect", "control:checkout=+5%").stderr).toContain(
      '"control" is not a treatment (treatments: blue, green)',
    );
    expect(bad("--users", "10", "--effect", "checkout=5").stderr).toContain("expected METRIC=+5%");
    expect(bad("--users", "10", "--effect", "checkout=+1000%").stderr).toContain("above 100%");
    expect(bad("--users", "10", "--srm", "green=+5%").stderr).toContain("VARIANT=-P% with 0 < P < 100");
    expect(bad("--users", "1.5").stderr).toContain('--users "1.5": a whole number');
    expect(bad("--users", "10", "--order-value", "0").stderr).toContain(
      '--order-value "0": a mean order amount',
    );
    expect(bad("--users", "10", "--seed", "a b").stderr).toContain("--seed");
    const future = cli([
      "simulate",
      "--manifest",
      join(dir, "assay.toml"),
      "--users",
      "5",
      "--end",
      "2999-01-01",
    ]);
    expect(future.stderr).toContain("in the future");
    const several = cli(["simulate", "--users", "5"], { cwd: tempDir({ "assay.toml": MANIFEST }) });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain("declares 4 experiments; pass --experiment ID");
  });
});

describe("assay simulate with dimensions", () => {
  it("gives each unit a value of every declared dimension (1 in 20 without), which --by cuts by", () => {
    const manifest = THREE_ARMS.replace(
      'id = "pricing"\n',
      'id = "pricing"\ndimensions = ["country", "tier"]\n',
    );
    const dir = tempDir({ "assay.toml": manifest });
    const out = simulate(dir, "--users", "6000", "--days", "5", "--seed", "3");
    expect(out.code).toBe(0);
    const byCountry = JSON.parse(
      cli(["results", "pricing", "--by", "country", "--json", "--manifest", join(dir, "assay.toml")]).stdout,
    ) as {
      breakdown: { slices: Array<{ value: string | null; units: number; srm: { mismatch: boolean } }> };
    };
    const slices = byCountry.breakdown.slices;
    expect(slices.map((s) => s.value)).toEqual(["BR", "DE", "FR", "GB", "US", null]);
    const total = slices.reduce((n, s) => n + s.units, 0);
    expect(total).toBe(6000);
    // US about 40% of the 95% with a country, the null slice about 5%
    expect(slices.find((s) => s.value === "US")!.units / total).toBeGreaterThan(0.34);
    expect(slices.at(-1)!.units / total).toBeLessThan(0.08);
    expect(slices.every((s) => !s.srm.mismatch)).toBe(true);
    const byTier = JSON.parse(
      cli(["results", "pricing", "--by", "tier", "--json", "--manifest", join(dir, "assay.toml")]).stdout,
    ) as { breakdown: { slices: Array<{ value: string | null }> } };
    expect(byTier.breakdown.slices.map((s) => s.value)).toEqual(["tier-1", "tier-2", "tier-3", null]);
  });
});

describe("SeededRandom", () => {
  it("repeats its stream for a seed, differs across seeds, and stays in [0, 1)", () => {
    const a = new SeededRandom("x");
    const b = new SeededRandom("x");
    const c = new SeededRandom("y");
    const draws = Array.from({ length: 10_000 }, () => a.uniform());
    expect(Array.from({ length: 10_000 }, () => b.uniform())).toEqual(draws);
    expect(c.uniform()).not.toBe(draws[0]);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });
});
