import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadManifest } from "@assay/config";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import type { DiffReport, ExperimentDiff } from "../src/diff/index.js";
import { run } from "../src/main.js";
import { tempDir } from "./helpers.js";

const N = 100_000;
/** The units of the reference: 100,000 ids of the shape apps use. */
const IDS = Array.from({ length: N }, (_, i) => `user-${i}`);

/** A manifest with one experiment `exp` (the keys given) and a control experiment that never changes. */
function manifest(experiment: string): string {
  return `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
${experiment}

[[plugins.experiments]]
id = "untouched"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "b", weight = 1 }]
`;
}

const TWO = (a: number, b: number) =>
  `variants = [{ id = "control", weight = ${a}, is_control = true }, { id = "treatment", weight = ${b} }]`;

interface Counts {
  move: number;
  enter: number;
  leave: number;
  enrolledBefore: number;
}

/**
 * The reference: assign every id under the old manifest, then under the new one, as two deployments would,
 * and count. Sticky is not simulated here: when the old experiment is sticky, the old client stores its
 * first assignments in a store the new client then reads, exactly as an app restarted on the new manifest.
 */
async function reference(oldPath: string, newPath: string, ids: readonly string[]): Promise<Counts> {
  const store = new MemoryEventStore();
  const options = { store, handleSignals: false, tracing: false, sticky: { refreshMs: 0 } } as const;
  const before = await createAssay({ manifest: await loadManifest(oldPath), ...options });
  const old = ids.map((id) => before.assign("exp", { userId: id, attributes: {} }));
  await before.flush();
  const after = await createAssay({ manifest: await loadManifest(newPath), ...options });
  const counts: Counts = { move: 0, enter: 0, leave: 0, enrolledBefore: 0 };
  ids.forEach((id, i) => {
    const was = old[i]!;
    const is = after.assign("exp", { userId: id, attributes: {} });
    if (was.inExperiment) counts.enrolledBefore++;
    if (was.inExperiment && is.inExperiment && was.variantId !== is.variantId) counts.move++;
    if (!was.inExperiment && is.inExperiment) counts.enter++;
    if (was.inExperiment && !is.inExperiment) counts.leave++;
  });
  await after.close();
  await before.close();
  return counts;
}

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function assayDiff(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await run(["diff", ...args], { stdout: stdout.stream, stderr: stderr.stream, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function jsonDiff(args: readonly string[]): Promise<{ code: number; report: DiffReport }> {
  const result = await assayDiff([...args, "--json"]);
  if (result.stderr !== "") throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as DiffReport };
}

const exp = (report: DiffReport): ExperimentDiff => report.experiments.find((e) => e.id === "exp")!;

/** The change, the files and the ids file of one scenario. */
function scenario(before: string, after: string) {
  const dir = tempDir({
    "old.toml": manifest(before),
    "new.toml": manifest(after),
    "ids.txt": `${IDS.join("\n")}\n`,
  });
  return { dir, old: join(dir, "old.toml"), new: join(dir, "new.toml"), ids: join(dir, "ids.txt") };
}

const SCENARIOS: ReadonlyArray<{
  name: string;
  before: string;
  after: string;
  fails: boolean;
  rerandomizes: boolean;
}> = [
  {
    name: "weight ramp 90/10 → 50/50",
    before: TWO(90, 10),
    after: TWO(50, 50),
    fails: true,
    rerandomizes: false,
  },
  {
    name: "traffic 20 % → 50 %",
    before: `${TWO(1, 1)}\ntraffic = 0.2`,
    after: `${TWO(1, 1)}\ntraffic = 0.5`,
    fails: false,
    rerandomizes: false,
  },
  {
    name: "traffic 50 % → 20 %",
    before: `${TWO(1, 1)}\ntraffic = 0.5`,
    after: `${TWO(1, 1)}\ntraffic = 0.2`,
    fails: false,
    rerandomizes: false,
  },
  {
    name: "new salt",
    before: TWO(1, 1),
    after: `${TWO(1, 1)}\nsalt = "2027"`,
    fails: true,
    rerandomizes: true,
  },
  {
    name: "a variant added",
    before: TWO(1, 1),
    after:
      'variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }, { id = "c", weight = 1 }]',
    fails: true,
    rerandomizes: true,
  },
  {
    name: "a variant removed",
    before:
      'variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }, { id = "c", weight = 1 }]',
    after: TWO(1, 1),
    fails: true,
    rerandomizes: true,
  },
  {
    name: "sticky, weight ramp",
    before: `${TWO(90, 10)}\nsticky = true`,
    after: `${TWO(50, 50)}\nsticky = true`,
    fails: false,
    rerandomizes: false,
  },
  {
    name: "sticky, a variant removed",
    before: `variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }, { id = "c", weight = 1 }]\nsticky = true`,
    after: `${TWO(1, 1)}\nsticky = true`,
    fails: true,
    rerandomizes: true,
  },
  {
    name: "sticky switched off, weight ramp",
    before: `${TWO(90, 10)}\nsticky = true`,
    after: TWO(50, 50),
    fails: true,
    rerandomizes: false,
  },
  {
    name: "new salt in a new phase",
    before: TWO(1, 1),
    after: `${TWO(1, 1)}\nsalt = "2027"\nversion = 2`,
    fails: false,
    rerandomizes: true,
  },
];

describe("assay diff", () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: exact counts for --users equal assigning 100,000 ids under both manifests`, async () => {
      const files = scenario(s.before, s.after);
      const expected = await reference(files.old, files.new, IDS);
      const { code, report } = await jsonDiff([files.old, files.new, "--users", files.ids]);
      const e = exp(report);
      expect(e.units).toBeDefined();
      expect({
        move: e.units!.move.count,
        enter: e.units!.enter.count,
        leave: e.units!.leave.count,
        enrolledBefore: e.units!.enrolledBefore,
      }).toEqual(expected);
      expect(e.units!.move.interval).toBeUndefined();
      expect(e.changes.some((c) => c.rerandomizes)).toBe(s.rerandomizes);
      expect(code).toBe(s.fails ? 1 : 0);
      expect(e.failure !== null).toBe(s.fails);
      expect(report.experiments.find((x) => x.id === "untouched")!.status).toBe("unchanged");
    });
  }

  it("estimates from --sample fall within their 95 % interval of the 100,000-id count", async () => {
    for (const s of SCENARIOS.slice(0, 6)) {
      const files = scenario(s.before, s.after);
      const expected = await reference(files.old, files.new, IDS);
      const { report } = await jsonDiff([files.old, files.new, "--sample", "20000", "--seed", "margin"]);
      const e = exp(report);
      expect(report.population).toEqual({ kind: "sample", units: 20_000, seed: "margin", confidence: 0.95 });
      const truth = {
        move: expected.move / expected.enrolledBefore,
        leave: expected.leave / expected.enrolledBefore,
        enter: expected.enter / N,
      };
      for (const key of ["move", "leave", "enter"] as const) {
        const [low, high] = e.units![key].interval!;
        expect(low, `${s.name} ${key}`).toBeLessThanOrEqual(truth[key]);
        expect(high, `${s.name} ${key}`).toBeGreaterThanOrEqual(truth[key]);
        // the margin is the binomial one: a 95 % half-width of at most 1.96 * sqrt(1/4n) + a little
        expect(high - low).toBeLessThan(2 * 1.96 * Math.sqrt(0.25 / e.units![key].of) + 0.002);
      }
    }
  });

  it("says what sticky would do: weights 90/10 → 50/50 moves 40 % of enrolled units, none when sticky", async () => {
    const files = scenario(TWO(90, 10), TWO(50, 50));
    const result = await assayDiff([files.old, files.new, "--users", files.ids]);
    expect(result.code).toBe(1);
    const verdict = result.stdout.split("\n").find((l) => l.startsWith("exp:"))!;
    expect(verdict).toMatch(
      /^exp: weights 90\/10 → 50\/50: (39\.[5-9]|40\.[0-5]) % of enrolled units move \(sticky: 0\.0 %\) FAIL$/,
    );
    expect(result.stdout).toMatch(/control → treatment: \d+/);
    expect(result.stdout).not.toMatch(/treatment → control/);
    expect(result.stdout).toMatch(/FAIL: .*bump `version` to 2, or set sticky = true/);
    expect(result.stdout).toMatch(/^untouched: unchanged$/m);
  });

  it("counts a sticky experiment's removed variant as moving even with sticky (its units are assigned afresh)", async () => {
    const three =
      'variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }, { id = "c", weight = 1 }]';
    const files = scenario(three, TWO(1, 1));
    const { report } = await jsonDiff([files.old, files.new, "--users", files.ids]);
    const e = exp(report);
    // only c's units move (the native walk puts c's range [2/3, 1) inside treatment's [1/2, 1)), sticky or not
    expect(e.ifSticky!.transitions).toEqual({ "c → treatment": e.ifSticky!.move.count });
    expect(e.units!.transitions["c → treatment"]).toBe(e.ifSticky!.move.count);
    expect(e.units!.move.count).toBeGreaterThan(e.ifSticky!.move.count);
    expect(e.ifSticky!.move.count).toBeGreaterThan(N / 3 - 1500);
    expect(e.ifSticky!.move.count).toBeLessThan(N / 3 + 1500);
  });

  it("does not fail a stopped experiment, nor the kill switch, and fails a phase that goes back", async () => {
    const off = scenario(`${TWO(1, 1)}\nenabled = false`, `${TWO(9, 1)}\nenabled = false`);
    expect((await jsonDiff([off.old, off.new, "--sample", "1000", "--seed", "x"])).code).toBe(0);
    const kill = scenario(TWO(1, 1), `${TWO(1, 1)}\nenabled = false`);
    const killed = await jsonDiff([kill.old, kill.new, "--sample", "1000", "--seed", "x"]);
    expect(killed.code).toBe(0);
    expect(exp(killed.report).units!.leave.share).toBe(1);
    const back = scenario(`${TWO(1, 1)}\nversion = 3`, `${TWO(1, 1)}\nversion = 2`);
    const wentBack = await jsonDiff([back.old, back.new, "--sample", "1000", "--seed", "x"]);
    expect(wentBack.code).toBe(1);
    expect(exp(wentBack.report).failure).toMatch(/phase goes back from 3 to 2/);
  });

  it("reports a unit change as re-randomizing every unit, not counted by id", async () => {
    const files = scenario(TWO(1, 1), `${TWO(1, 1)}\nunit = "session"`);
    const { code, report } = await jsonDiff([files.old, files.new, "--sample", "1000", "--seed", "x"]);
    expect(code).toBe(1);
    expect(exp(report).verdict).toMatch(
      /unit user → session: re-randomizes every unit \(not measurable by id\) FAIL/,
    );
    expect(exp(report).units).toBeUndefined();
  });

  it("lists added and removed experiments and flags with the units that turn on", async () => {
    const flags = (rollout: number, extra = "") => `[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = ${rollout}
${extra}`;
    const dir = tempDir({
      "old.toml": `${manifest(TWO(1, 1))}\n${flags(0.2)}`,
      "new.toml": `${manifest(TWO(1, 1)).replace('id = "untouched"', 'id = "fresh"')}\n${flags(0.5)}`,
      "ids.txt": IDS.slice(0, 10_000).join("\n"),
    });
    const { code, report } = await jsonDiff([
      join(dir, "old.toml"),
      join(dir, "new.toml"),
      "--users",
      join(dir, "ids.txt"),
    ]);
    expect(code).toBe(0);
    expect(report.experiments.map((e) => [e.id, e.status])).toEqual([
      ["exp", "unchanged"],
      ["fresh", "added"],
      ["untouched", "removed"],
    ]);
    const flag = report.flags[0]!;
    expect(flag.verdict).toMatch(
      /^flag new_checkout: rollout 20 % → 50 %: 2\d\.\d % of units turn on, 0\.0 % turn off$/,
    );
    expect(flag.units!.turnedOff.count).toBe(0);
    expect(flag.units!.turnedOn.count).toBeGreaterThan(2_700);
    expect(flag.units!.turnedOn.count).toBeLessThan(3_300);
  });

  it("refuses bad usage with exit 2 and an invalid manifest with exit 1", async () => {
    const files = scenario(TWO(1, 1), TWO(1, 1));
    expect((await assayDiff([files.old])).code).toBe(2);
    expect((await assayDiff([files.old, files.new, "--sample", "0"])).stderr).toMatch(
      /--sample "0": expected a whole number/,
    );
    expect((await assayDiff([files.old, files.new, "--sample", "1e3"])).code).toBe(2);
    expect((await assayDiff([files.old, files.new, "--users", files.ids, "--sample", "10"])).code).toBe(2);
    expect((await assayDiff([files.old, files.new, "--seed", "a b"])).code).toBe(2);
    expect((await assayDiff([files.old, files.new, "--sampel", "10"])).stderr).toMatch(
      /did you mean --sample/,
    );
    const broken = join(files.dir, "broken.toml");
    writeFileSync(broken, manifest(TWO(-1, 1)));
    const invalid = await assayDiff([files.old, broken, "--sample", "10"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(
      /broken\.toml:\d+:\d+: plugins\[0\]\.experiments\[0\]\.variants\[0\]\.weight/,
    );
    expect((await assayDiff([files.old, files.new, "--users", join(files.dir, "none.txt")])).code).toBe(1);
  });

  it("draws the same sample for the same seed and another for another", async () => {
    const files = scenario(TWO(90, 10), TWO(50, 50));
    const a = (await jsonDiff([files.old, files.new, "--sample", "5000", "--seed", "s1"])).report;
    const b = (await jsonDiff([files.old, files.new, "--sample", "5000", "--seed", "s1"])).report;
    const c = (await jsonDiff([files.old, files.new, "--sample", "5000", "--seed", "s2"])).report;
    expect(exp(a).units!.move.count).toBe(exp(b).units!.move.count);
    expect(exp(a).units!.move.count).not.toBe(exp(c).units!.move.count);
  });
});
