import type { ExperimentEntry, Manifest } from "@assay/config";
import type { FlagDefinition } from "@assay/core";
import { type DefinitionChange, experimentChanges, flagChanges, phaseOf } from "./definition-changes.js";
import { type Share, shareOf } from "./interval.js";
import type { ExperimentMovement, Measures } from "./measure.js";
import type { Population } from "./population.js";

/** One experiment's part of a diff. */
export interface ExperimentDiff {
  readonly id: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly changes: readonly DefinitionChange[];
  readonly phase: { readonly before: number | null; readonly after: number | null };
  /** Running: enabled under the old manifest and still declared and enabled under the new one. */
  readonly running: boolean;
  /** Counts as the new manifest declares the experiment; absent when added, removed or not measurable. */
  readonly units?: MovementReport;
  /** What sticky (same version) would do: enrolled units keep their variant. */
  readonly ifSticky?: MovementReport;
  /** Why this experiment fails the check, or null when it passes. */
  readonly failure: string | null;
  /** One line: `pricing_page: weights 90/10 → 50/50: 40.0 % of enrolled units move (sticky: 0.0 %)`. */
  readonly verdict: string;
}

export interface MovementReport {
  readonly enrolledBefore: number;
  readonly enrolledAfter: number;
  /** Enrolled before and now in another variant, out of the units enrolled before. */
  readonly move: Share;
  /** Enrolled before and not any more, out of the units enrolled before. */
  readonly leave: Share;
  /** Not enrolled before and enrolled now, out of every unit assigned. */
  readonly enter: Share;
  readonly transitions: Readonly<Record<string, number>>;
}

export interface FlagDiff {
  readonly key: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly changes: readonly DefinitionChange[];
  readonly units?: { readonly turnedOn: Share; readonly turnedOff: Share; readonly valueChanged: Share };
  readonly verdict: string;
}

/** What `assay diff --json` prints. */
export interface DiffReport {
  readonly before: string;
  readonly after: string;
  readonly population: {
    readonly kind: "ids" | "sample";
    readonly units: number;
    readonly seed?: string;
    /** For a sample: shares are estimates with a 95 % Wilson interval. */
    readonly confidence?: 0.95;
  };
  readonly experiments: readonly ExperimentDiff[];
  readonly flags: readonly FlagDiff[];
  /** True when a running experiment moves enrolled units without a new phase (exit 1). */
  readonly failed: boolean;
}

/** Puts the definitions' differences and the measured movements together, with a verdict per experiment. */
export function diffReport(
  paths: { readonly before: string; readonly after: string },
  before: Manifest,
  after: Manifest,
  population: Population,
  measures: Measures,
): DiffReport {
  const oldExperiments = entries(before);
  const newExperiments = entries(after);
  const experiments: ExperimentDiff[] = [];
  for (const [id, next] of newExperiments) {
    const prior = oldExperiments.get(id);
    experiments.push(
      prior === undefined
        ? added(id, next)
        : changed(id, prior, next, measures.experiments.get(id)!, population),
    );
  }
  for (const [id, prior] of oldExperiments) if (!newExperiments.has(id)) experiments.push(removed(id, prior));

  const oldFlags = flagsOf(before);
  const newFlags = flagsOf(after);
  const flags: FlagDiff[] = [];
  for (const [key, next] of newFlags) {
    const prior = oldFlags.get(key);
    if (prior === undefined) {
      flags.push({ key, status: "added", changes: [], verdict: `flag ${key}: added` });
      continue;
    }
    const changes = flagChanges(prior, next);
    const counted = measures.flags.get(key);
    const n = population.ids.length;
    const units =
      counted === undefined
        ? undefined
        : {
            turnedOn: shareOf(counted.turnedOn, n, population.estimated),
            turnedOff: shareOf(counted.turnedOff, n, population.estimated),
            valueChanged: shareOf(counted.valueChanged, n, population.estimated),
          };
    const effect =
      units === undefined
        ? ""
        : `: ${formatShare(units.turnedOn)} of units turn on, ${formatShare(units.turnedOff)} turn off` +
          (next.variants === undefined ? "" : `, ${formatShare(units.valueChanged)} get another value`);
    flags.push({
      key,
      status: changes.length === 0 ? "unchanged" : "changed",
      changes,
      ...(units === undefined ? {} : { units }),
      verdict:
        changes.length === 0
          ? `flag ${key}: unchanged`
          : `flag ${key}: ${changes.map((c) => c.summary).join("; ")}${effect}`,
    });
  }
  for (const key of oldFlags.keys()) {
    if (!newFlags.has(key))
      flags.push({ key, status: "removed", changes: [], verdict: `flag ${key}: removed` });
  }
  return {
    before: paths.before,
    after: paths.after,
    population: {
      kind: population.estimated ? "sample" : "ids",
      units: population.ids.length,
      ...(population.seed === undefined ? {} : { seed: population.seed, confidence: 0.95 as const }),
    },
    experiments,
    flags,
    failed: experiments.some((e) => e.failure !== null),
  };
}

function changed(
  id: string,
  prior: ExperimentEntry,
  next: ExperimentEntry,
  measured: { declared: ExperimentMovement; sticky: ExperimentMovement },
  population: Population,
): ExperimentDiff {
  const changes = experimentChanges(prior, next);
  const phase = { before: phaseOf(prior), after: phaseOf(next) };
  const running = prior.enabled && next.enabled;
  const base = { id, changes, phase, running };
  if (changes.length === 0) {
    return { ...base, status: "unchanged", failure: null, verdict: `${id}: unchanged` };
  }
  const what = changes.map((c) => c.summary).join("; ");
  const newPhase = phase.after > phase.before;
  // Another unit is another population: the same id string names unrelated units, so nothing can be counted.
  if (prior.unit !== next.unit) {
    const failure =
      running && !newPhase
        ? `changes its unit without a new phase: every unit is re-randomized; bump \`version\` to ${phase.before + 1}`
        : null;
    return {
      ...base,
      status: "changed",
      failure,
      verdict: `${id}: ${what}: re-randomizes every unit (not measurable by id)${failure === null ? "" : " FAIL"}`,
    };
  }
  const units = movementReport(measured.declared, population);
  const ifSticky = movementReport(measured.sticky, population);
  const rerandomizes = changes.filter((c) => c.rerandomizes);
  let failure: string | null = null;
  if (phase.after < phase.before) {
    failure = `its phase goes back from ${phase.before} to ${phase.after}: results of two phases would mix`;
  } else if (running && !newPhase && (units.move.count > 0 || rerandomizes.length > 0)) {
    failure =
      `moves enrolled units without a new phase (${rerandomizes.length > 0 ? `${rerandomizes.map((c) => c.key).join(", ")} re-randomize` : "a running experiment"}); ` +
      `bump \`version\` to ${phase.before + 1}${rerandomizes.length === 0 && next.sticky === undefined ? ", or set sticky = true to keep enrolled units where they are" : ""}`;
  }
  const extra = [
    units.enter.count > 0 ? `${formatShare(units.enter)} of units enter` : "",
    units.leave.count > 0 ? `${formatShare(units.leave)} of enrolled units leave` : "",
  ].filter((s) => s !== "");
  const verdict =
    `${id}: ${what}: ${formatShare(units.move)} of enrolled units move (sticky: ${formatShare(ifSticky.move)})` +
    (extra.length > 0 ? `, ${extra.join(", ")}` : "") +
    (newPhase ? ` (new phase ${phase.after})` : "") +
    (failure === null ? "" : " FAIL");
  return { ...base, status: "changed", units, ifSticky, failure, verdict };
}

function added(id: string, next: ExperimentEntry): ExperimentDiff {
  return {
    id,
    status: "added",
    changes: [],
    phase: { before: null, after: phaseOf(next) },
    running: false,
    failure: null,
    verdict: `${id}: added${next.enabled ? "" : " (switched off)"}`,
  };
}

function removed(id: string, prior: ExperimentEntry): ExperimentDiff {
  return {
    id,
    status: "removed",
    changes: [],
    phase: { before: phaseOf(prior), after: null },
    running: false,
    failure: null,
    verdict: `${id}: removed${prior.enabled ? ": its units are no longer served it (assign throws EXPERIMENT_NOT_FOUND)" : ""}`,
  };
}

function movementReport(movement: ExperimentMovement, population: Population): MovementReport {
  const estimated = population.estimated;
  return {
    enrolledBefore: movement.enrolledBefore,
    enrolledAfter: movement.enrolledAfter,
    move: shareOf(movement.move, movement.enrolledBefore, estimated),
    leave: shareOf(movement.leave, movement.enrolledBefore, estimated),
    enter: shareOf(movement.enter, population.ids.length, estimated),
    transitions: movement.transitions,
  };
}

/** `44.4 %`, or `44.4 % (± 0.3)`-style with the interval for a sample: `44.4 % [44.1, 44.7]`. */
export function formatShare(share: Share): string {
  const main = `${(share.share * 100).toFixed(1)} %`;
  if (share.interval === undefined) return main;
  const [low, high] = share.interval;
  return `${main} [95 %: ${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}]`;
}

function entries(manifest: Manifest): Map<string, ExperimentEntry> {
  return new Map(manifest.plugins.flatMap((p) => p.experiments.map((e) => [e.id, e] as const)));
}

function flagsOf(manifest: Manifest): Map<string, FlagDefinition> {
  return new Map(manifest.plugins.flatMap((p) => p.flags.map((f) => [f.key, f] as const)));
}

/** The report as text: one verdict per experiment and flag, then the details and the failures. */
export function renderDiff(report: DiffReport): string {
  const lines: string[] = [];
  const { population } = report;
  lines.push(
    population.kind === "ids"
      ? `${report.before} → ${report.after}: ${population.units} units given, counts exact`
      : `${report.before} → ${report.after}: estimated from ${population.units} random units (seed ${population.seed}), 95 % intervals`,
  );
  for (const e of report.experiments) {
    lines.push(e.verdict);
    for (const c of e.changes) {
      lines.push(
        `  ${c.summary}: ${c.rerandomizes ? "re-randomizes (needs a new phase)" : "keeps the hash"}`,
      );
    }
    if (e.units !== undefined && e.status === "changed") {
      lines.push(
        `  enrolled ${e.units.enrolledBefore} → ${e.units.enrolledAfter}; move ${e.units.move.count}, enter ${e.units.enter.count}, leave ${e.units.leave.count}`,
      );
      for (const [transition, count] of Object.entries(e.units.transitions)) {
        lines.push(`    ${transition}: ${count}`);
      }
    }
    if (e.failure !== null) lines.push(`  FAIL: ${e.failure}`);
  }
  for (const f of report.flags) lines.push(f.verdict);
  const failing = report.experiments.filter((e) => e.failure !== null).map((e) => e.id);
  lines.push(
    failing.length === 0
      ? "ok: no running experiment moves enrolled units without a new phase"
      : `FAIL: ${failing.length} running experiment${failing.length === 1 ? "" : "s"} move${failing.length === 1 ? "s" : ""} enrolled units without a new phase: ${failing.join(", ")}`,
  );
  return `${lines.join("\n")}\n`;
}
