import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
dimensions = ["country", "platform"]
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
analysis = { primary = ["converted"], minimum_sample = 100 }

[[plugins.experiments]]
id = "plain"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
analysis = { primary = ["converted"], minimum_sample = 100 }
`;

/** 900 users through the runtime into the default SQLite store: a country on most, none on every tenth. */
async function recordedApp(): Promise<string> {
  const dir = tempDir({ "assay.toml": MANIFEST });
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
  const at = new Date(Date.UTC(2026, 10, 1, 12));
  const records: Promise<void>[] = [];
  for (let u = 0; u < 900; u++) {
    const base = ExperimentContext.forUser(`user-${u}`);
    const ctx = u % 10 === 0 ? base : base.withAttribute("country", u % 2 === 0 ? "DE" : "FR");
    const variant = assay.assign("checkout", ctx);
    records.push(assay.expose(variant, ctx, { timestamp: at }));
    if (u % 3 === 0) records.push(assay.track("checkout", "converted", true, ctx, { timestamp: at }));
  }
  await Promise.all(records);
  await assay.close();
  return dir;
}

describe("assay results --by", () => {
  it("adds the breakdown by a declared dimension over SQLite: slices, SRM per slice, the caveat; text and JSON", async () => {
    const dir = await recordedApp();
    const text = cli(["results", "checkout", "--by", "country"], { cwd: dir });
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("breakdown by country (exploratory, not part of the decision)");
    expect(text.stdout).toMatch(/caveat: 3 tests across 3 slices of country × 1 metrics/);
    expect(text.stdout).toMatch(/country = DE: 360 units \(control \d+, treatment \d+\); sample ratio ok/);
    expect(text.stdout).toMatch(/country = FR: 450 units/);
    expect(text.stdout).toMatch(/country not recorded: 90 units/);
    expect(text.stdout).toMatch(/converted\s+0\.\d{4}\s+0\.\d{4}/);
    const json = JSON.parse(cli(["results", "checkout", "--by", "country", "--json"], { cwd: dir }).stdout);
    expect(json.breakdown.dimension).toBe("country");
    expect(json.breakdown.slices.map((s: { value: string | null }) => s.value)).toEqual(["DE", "FR", null]);
    expect(json.breakdown.tests).toBe(3);
    expect(json.breakdown.slices[0].srm.mismatch).toBe(false);
    expect(json.breakdown.slices[0].treatments[0].metrics[0].breakdownAdjustedPValue).toBeGreaterThan(0);
    // the whole report is as without --by
    const whole = JSON.parse(cli(["results", "checkout", "--json"], { cwd: dir }).stdout);
    expect(whole.breakdown).toBeUndefined();
    expect(json.decision).toBe(whole.decision);
  });

  it("refuses a dimension the experiment does not declare, naming the flag", async () => {
    const dir = await recordedApp();
    const missing = cli(["results", "checkout", "--by", "tier"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--by tier: checkout declares the dimensions country, platform");
    const none = cli(["results", "plain", "--by", "country"], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--by country: plain declares no dimensions");
  });
});
