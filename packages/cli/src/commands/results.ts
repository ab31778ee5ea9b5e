import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ExperimentSummary } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";
import { breakdownDimension, renderBreakdown } from "./breakdown-report.js";
import { manifestPath } from "./manifest-path.js";
import {
  plannedCaps,
  plannedCuped,
  plannedMetrics,
  plannedOutcomes,
  plannedQuantiles,
  plannedRatios,
  plannedWindows,
  renderReport,
  reportOf,
} from "./report.js";
import { table } from "./table.js";

const USAGE =
  "usage: assay results <experiment> [--metric M]... [--by DIMENSION] [--daily] [--json] [--env NAME] [--phase N] [--manifest PATH]";

/**
 * `assay results`: per variant the exposed units, and per metric n / mean / sum, as computed by the event
 * store the manifest names; `--daily` adds the cumulative per-day series. Then the statistics engine's
 * report: `evaluate` of the experiment's analysis plan (effects, CIs, raw and adjusted p-values, guardrails,
 * SRM, sample, decision), or without a plan an exploratory comparison of every metric with no decision.
 * `--json` prints the report (plus `daily` with `--daily`). `--by country` adds the breakdown by one of the
 * experiment's declared dimensions: each slice evaluated with the plan, with its SRM check and the
 * multiple-comparison caveat (the report's `breakdown`).
 */
export async function results(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      metric: { type: "string", multiple: true },
      json: { type: "boolean" },
      daily: { type: "boolean" },
      manifest: { type: "string" },
      env: { type: "string" },
      phase: { type: "string" },
      by: { type: "string" },
    },
    USAGE,
  );
  const phase = phaseOf(values.phase);
  const experiment = positionals[0];
  if (experiment === undefined || positionals.length > 1) throw new CliError(USAGE, EXIT.USAGE);
  // One attempt at the store: at a terminal "the store is down" (exit 3) is wanted now, not after the
  // runtime's 30 s of startup retries meant for an app that starts before its database.
  const manifest = manifestPath(values.manifest, io);
  // --env selects the environment's blocks and the events recorded there (default ASSAY_ENV, as an app's).
  const assay = await createAssay({
    manifest,
    handleSignals: false,
    storeStartupTimeoutMs: 0,
    ...(values.env === undefined ? {} : { env: values.env }),
  });
  try {
    const definition = assay.experiments().find((e) => e.id === experiment);
    const planned = definition === undefined ? undefined : plannedMetrics(definition);
    const unplanned = values.metric?.filter((m) => planned !== undefined && !planned.includes(m)) ?? [];
    if (unplanned.length > 0) {
      throw new CliError(
        `--metric ${unplanned.join(", ")}: not in the analysis plan of ${experiment} (${planned?.join(", ")})`,
        EXIT.USAGE,
      );
    }
    const breakdown = breakdownDimension(values.by, experiment, definition);
    const ratios = definition === undefined ? [] : plannedRatios(definition);
    const capped = definition === undefined ? [] : plannedCaps(definition);
    const windowed = definition === undefined ? [] : plannedWindows(definition);
    const cuped = definition === undefined ? [] : plannedCuped(definition);
    const quantiles = definition === undefined ? [] : plannedQuantiles(definition);
    const summary = await assay.summarize(experiment, {
      // A plan's decision needs all its metrics; --metric then only narrows what is shown.
      ...(values.metric !== undefined
        ? { metrics: (definition === undefined ? undefined : plannedOutcomes(definition)) ?? values.metric }
        : {}),
      ...(values.daily === true ? { daily: true } : {}),
      ...(phase === undefined ? {} : { phase }),
      ...(ratios.length === 0 ? {} : { ratios }),
      ...(capped.length === 0 ? {} : { capped }),
      ...(windowed.length === 0 ? {} : { windowed }),
      ...(cuped.length === 0 ? {} : { cuped }),
      ...(quantiles.length === 0 ? {} : { quantiles }),
      ...(breakdown === undefined ? {} : { breakdown }),
    });
    const report = definition === undefined ? undefined : reportOf(definition, summary, values.metric);
    const json = {
      ...report,
      ...(summary.daily === undefined ? {} : { daily: summary.daily }),
      ...(summary.dailyTruncated === undefined ? {} : { dailyTruncated: summary.dailyTruncated }),
    };
    const shown = values.metric;
    const shownSummary =
      shown === undefined
        ? summary
        : { ...summary, metrics: summary.metrics.filter((m) => shown.includes(m.metric)) };
    await write(
      io.stdout,
      values.json
        ? `${JSON.stringify(json, null, 2)}\n`
        : `${render(shownSummary, assay.store.name, await simulatedLine(manifest, experiment))}${report === undefined ? "" : `\n${renderReport(report)}`}${report !== undefined && "breakdown" in report && report.breakdown !== undefined ? `\n${renderBreakdown(report.breakdown, report.control)}` : ""}`,
    );
    return EXIT.OK;
  } finally {
    await assay.close();
  }
}

/**
 * "simulated data: …" when `assay simulate` wrote this experiment's events (the JSON stays the report
 * alone). The notes' reader comes with the dashboard's package, so it is loaded only when a notes file exists.
 */
async function simulatedLine(manifest: string, experiment: string): Promise<string | undefined> {
  const dir = dirname(resolve(manifest));
  // The path of @assay/server's SIMULATION_NOTES_FILE, checked before loading that package.
  if (!existsSync(join(dir, ".assay", "simulated.json"))) return undefined;
  const { readSimulationNotes } = await import("@assay/server");
  const note = (await readSimulationNotes(dir)).get(experiment);
  if (note === undefined) return undefined;
  const effects = note.effects.length === 0 ? "no true effect" : `true effects ${note.effects.join(", ")}`;
  return `simulated data: ${note.users.toLocaleString("en-US")} visitors over ${note.days} days to ${note.end} by assay simulate --seed ${note.seed}, ${effects}${note.srm === undefined ? "" : `, sample-ratio mismatch ${note.srm}`}`;
}

/** `--phase N`: a whole number from 1; undefined when not given (the experiment's current phase). */
function phaseOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const phase = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(phase) || phase < 1 || phase > 2_147_483_647) {
    throw new CliError(
      `--phase ${text}: a phase is a whole number from 1 (the manifest's version)`,
      EXIT.USAGE,
    );
  }
  return phase;
}

function render(summary: ExperimentSummary, storeName: string, simulated?: string): string {
  const scope = summary.scope;
  const where =
    scope === undefined
      ? ""
      : `; environment ${scope.environment}, phase ${scope.phase}${scope.phases.length > 1 ? ` (phases with data: ${scope.phases.join(", ")})` : ""}`;
  const out: string[] = [`${summary.experiment} (events from the ${storeName} store${where})`, ""];
  if (simulated !== undefined) out.splice(1, 0, simulated);
  if (summary.variants.length === 0) return `${out.join("\n")}no exposures recorded yet\n`;
  out.push(
    table(
      ["variant", "exposed units", "exposures"],
      summary.variants.map((v) => [v.variantId, v.exposedUnits, v.exposures]),
    ),
  );
  for (const metric of summary.metrics) {
    out.push("", `metric ${metric.metric} (${metric.kind})`);
    out.push(
      table(
        ["variant", "n", "mean", "sum"],
        metric.variants.map((v) => [
          v.variantId,
          v.n,
          v.n === 0 ? "-" : (v.sum / v.n).toFixed(4),
          Number(v.sum.toPrecision(12)),
        ]),
      ),
    );
  }
  if (summary.daily !== undefined && summary.daily.length > 0) {
    const variantIds = summary.variants.map((v) => v.variantId);
    out.push("", "daily, cumulative (UTC): exposed units, and the mean of each metric per variant");
    out.push(
      table(
        [
          "day",
          ...variantIds.map((v) => `${v} units`),
          ...summary.metrics.flatMap((m) => variantIds.map((v) => `${m.metric} ${v}`)),
        ],
        summary.daily.map((d) => [
          d.day,
          ...d.variants.map((v) => v.exposedUnits),
          ...d.metrics.flatMap((m) => m.variants.map((v) => (v.n === 0 ? "-" : (v.sum / v.n).toFixed(4)))),
        ]),
      ),
    );
    const cut = summary.dailyTruncated;
    if (cut !== undefined) {
      out.push(
        `note: the series stops at ${cut.shownThrough} (at most ${cut.maxPoints} days); events run to ${cut.lastDay}, ${cut.omittedDays} more days not shown (the totals above count every event)`,
      );
    }
  }
  if (summary.unitsInSeveralVariants > 0) {
    out.push(
      "",
      `warning: ${summary.unitsInSeveralVariants} units were exposed to more than one variant (counted in their first)`,
    );
  }
  if (summary.unattributedOutcomes > 0) {
    out.push("", `${summary.unattributedOutcomes} outcomes had no earlier exposure and are not counted`);
  }
  return `${out.join("\n")}\n`;
}
