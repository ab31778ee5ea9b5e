import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { cli, MANIFEST, tempDir } from "./helpers.js";

const day = (d: number, hour = 12) => new Date(Date.UTC(2026, 10, 1 + d, hour));

/** An app directory whose default SQLite store holds a small, known history. */
async function recordedApp(): Promise<string> {
  const dir = tempDir({ "assay.toml": MANIFEST });
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
  const exp = "checkout_button_color";
  const expose = (user: string, variantId: string, d: number) =>
    assay.expose(
      { experiment: exp, variantId, isControl: variantId === "control", inExperiment: true, reason: "hash" },
      ExperimentContext.forUser(user),
      { timestamp: day(d) },
    );
  const track = (user: string, value: number, d: number) =>
    assay.track(exp, "revenue", value, ExperimentContext.forUser(user), { timestamp: day(d, 13) });
  await Promise.all([expose("a", "control", 0), expose("b", "control", 0), expose("c", "treatment", 1)]);
  await Promise.all([track("a", 10, 0), track("c", 30, 1), track("c", 6, 2), track("z", 99, 2)]);
  await assay.close();
  return dir;
}

describe("assay results", () => {
  it("prints exposed units and n / mean / sum per metric from the manifest's store", async () => {
    const dir = await recordedApp();
    const result = cli(["results", "checkout_button_color"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("events from the sqlite store");
    expect(result.stdout).toMatch(/control\s+2\s+2/);
    expect(result.stdout).toMatch(/treatment\s+1\s+1/);
    expect(result.stdout).toMatch(/control\s+2\s+5\.0000\s+10/);
    expect(result.stdout).toMatch(/treatment\s+1\s+36\.0000\s+36/);
    expect(result.stdout).toContain("1 outcomes had no earlier exposure");
    expect(result.stdout).not.toContain("daily");
  });

  it("adds the cumulative per-day series with --daily, in text and JSON", async () => {
    const dir = await recordedApp();
    const text = cli(["results", "checkout_button_color", "--daily"], { cwd: dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("daily, cumulative"));
    expect(lines[at + 1]).toMatch(
      /^day\s+control units\s+treatment units\s+revenue control\s+revenue treatment$/,
    );
    expect(lines[at + 2]).toMatch(/^2026-11-01\s+2\s+0\s+5\.0000\s+-$/);
    expect(lines[at + 3]).toMatch(/^2026-11-02\s+2\s+1\s+5\.0000\s+30\.0000$/);
    expect(lines[at + 4]).toMatch(/^2026-11-03\s+2\s+1\s+5\.0000\s+36\.0000$/);
    const json = JSON.parse(
      cli(["results", "checkout_button_color", "--daily", "--json"], { cwd: dir }).stdout,
    );
    expect(json.daily.map((d: { day: string }) => d.day)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
    expect(json.daily[2].metrics[0].variants[1]).toEqual({
      variantId: "treatment",
      n: 1,
      sum: 36,
      sumSquares: 1296,
      sumSquaredDeviations: 0,
    });
  });

  it("bounds the daily series whatever the data, with a note: a stray timestamp in the year 275760", async () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    // a window wide open (the default refuses such a timestamp at the API), to put one in the store
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      handleSignals: false,
      pipeline: {
        timestampWindow: { maxAgeMs: Number.POSITIVE_INFINITY, maxAheadMs: Number.POSITIVE_INFINITY },
      },
    });
    const variant = {
      experiment: "checkout_button_color",
      variantId: "control",
      isControl: true,
      inExperiment: true,
      reason: "hash",
    } as const;
    await assay.expose(variant, ExperimentContext.forUser("a"), { timestamp: day(0) });
    await assay.expose(variant, ExperimentContext.forUser("b"), { timestamp: new Date(8.64e15) });
    await assay.close();
    const text = cli(["results", "checkout_button_color", "--daily"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^2026-11-01\s+1\s*$/m);
    expect(text.stdout).toMatch(
      /^note: the series stops at 2037-10-\d\d \(at most 4000 days\); events run to \+275760-09-13, \d+ more days not shown/m,
    );
    const json = JSON.parse(
      cli(["results", "checkout_button_color", "--daily", "--json"], { cwd: dir }).stdout,
    );
    expect(json.daily).toHaveLength(4000);
    expect(json.dailyTruncated).toMatchObject({ maxPoints: 4000, lastDay: "+275760-09-13" });
  });
});
