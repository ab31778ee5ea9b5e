import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const POSTGRES_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const manifest = (schema: string, version: number) => `environments = ["staging", "production"]

[[plugins]]
name = "events"
source = "@assay/store-postgres"
options = { url = "${POSTGRES_URL}", schema = "${schema}" }

[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
version = ${version}
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`;

interface Report {
  arms: Array<{ variant: string; units: number }>;
  scope: { environment: string; phase: number; phases: number[]; manifestVersions: string[] };
  warnings: string[];
  treatments: Array<{
    metrics: Array<{ metric: string; controlMean: number; treatmentMean: number }>;
  }>;
}

/** Exposes `users` units of one environment, each converting with the variant's rate. */
async function run(path: string, env: string, users: number, rates: Record<string, number>): Promise<void> {
  const assay = await createAssay({ manifest: path, env, handleSignals: false });
  for (let i = 0; i < users; i++) {
    const ctx = ExperimentContext.forUser(`${env}-user-${i}`);
    const variant = assay.assign("pricing", ctx);
    void assay.expose(variant, ctx);
    // deterministic conversions: the first rate × 100 of every hundred units of the variant convert
    if (i % 100 < (rates[variant.variantId] ?? 0) * 100) void assay.track("pricing", "bought", true, ctx);
  }
  await assay.close();
}

describe("staging and production writing to one PostgreSQL store", () => {
  it("get separate reports, and a new phase is reported apart from the old one", {
    timeout: 120_000,
  }, async () => {
    const schema = `assay_envs_${process.pid}_${randomBytes(4).toString("hex")}`;
    const dir = tempDir({ "assay.toml": manifest(schema, 1) });
    const path = join(dir, "assay.toml");
    await Promise.all([
      run(path, "staging", 300, { control: 0.9, treatment: 0.9 }),
      run(path, "production", 2000, { control: 0.1, treatment: 0.3 }),
    ]);
    const report = (env: string, ...more: string[]): Report => {
      const result = cli(["results", "pricing", "--json", "--env", env, ...more], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Report;
    };
    const staging = report("staging");
    const production = report("production");
    const units = (r: Report) => r.arms.reduce((n, a) => n + a.units, 0);
    expect(units(staging)).toBe(300);
    expect(units(production)).toBe(2000);
    expect(staging.scope).toMatchObject({ environment: "staging", phase: 1, phases: [1] });
    expect(production.scope).toMatchObject({ environment: "production", phase: 1 });
    const conversion = (r: Report) => r.treatments[0]!.metrics.find((m) => m.metric === "bought")!;
    expect(conversion(staging).controlMean).toBeGreaterThan(0.8);
    expect(conversion(production).controlMean).toBeLessThan(0.2);
    expect(conversion(production).treatmentMean).toBeGreaterThan(0.25);
    // ASSAY_ENV selects the same as --env
    const viaEnv = cli(["results", "pricing", "--json"], { cwd: dir, env: { ASSAY_ENV: "staging" } });
    expect(JSON.parse(viaEnv.stdout).scope.environment).toBe("staging");

    // version 2 starts phase 2 in production: its report counts only the new phase, and says so
    writeFileSync(path, manifest(schema, 2));
    await run(path, "production", 500, { control: 0.5, treatment: 0.5 });
    const phase2 = report("production");
    expect(phase2.scope).toMatchObject({ phase: 2, phases: [1, 2] });
    expect(units(phase2)).toBe(500);
    expect(phase2.warnings.join("\n")).toMatch(
      /phase 2 only .*phase 1 re-randomized units and is not pooled/,
    );
    const phase1 = report("production", "--phase", "1");
    expect(units(phase1)).toBe(2000);
    expect(report("staging").scope.phases).toEqual([1]);
    const bad = cli(["results", "pricing", "--phase", "0"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--phase 0: a phase is a whole number from 1/);
  });

  it("says when a phase ran under several manifest versions, and what sticky did", {
    timeout: 120_000,
  }, async () => {
    const weights = (control: number, treatment: number) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
sticky = true
variants = [{ id = "control", weight = ${control}, is_control = true }, { id = "treatment", weight = ${treatment} }]
`;
    const dir = tempDir({ "assay.toml": weights(90, 10) });
    const path = join(dir, "assay.toml");
    await run(path, "production", 200, { control: 0.1, treatment: 0.1 });
    writeFileSync(path, weights(50, 50));
    await run(path, "production", 200, { control: 0.1, treatment: 0.1 });
    const result = cli(["results", "pricing", "--json", "--env", "production"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.scope.manifestVersions).toHaveLength(2);
    expect(report.warnings.join("\n")).toMatch(
      /this phase ran under 2 manifest versions .*sticky = true kept enrolled units in their variant/,
    );
    const text = cli(["results", "pricing", "--env", "production"], { cwd: dir });
    expect(text.stdout).toMatch(/environment production, phase 1/);
  });
});
