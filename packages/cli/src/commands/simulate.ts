import { dirname, resolve } from "node:path";
import type { ExperimentEntry } from "@assay/config";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { writeSimulationNote } from "@assay/server";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { generate } from "../simulate/generate.js";
import {
  parseDays,
  parseEffects,
  parseEnd,
  parseMetrics,
  parseSeed,
  parseSrm,
  parseUsers,
  type SimulationSpec,
} from "../simulate/spec.js";
import { parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE =
  "usage: assay simulate --users N [--manifest PATH] [--experiment ID] [--days D] [--end YYYY-MM-DD]\n" +
  "                      [--effect [VARIANT:]METRIC=+P%]... [--srm VARIANT=-P%] [--metric NAME[:KIND]]... [--seed S]";

/**
 * `assay simulate`: writes a realistic, seeded data set for one experiment into the manifest's event store
 * (visitors over days, exposures and returns, conversions and order values with the true effects asked
 * for, optionally a sample-ratio mismatch), so `assay results` and `assay serve` show a live-looking test.
 * The same flags write the same events; a note beside the manifest tells the dashboard they are simulated.
 */
export async function simulate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      manifest: { type: "string" },
      experiment: { type: "string" },
      users: { type: "string" },
      days: { type: "string" },
      end: { type: "string" },
      effect: { type: "string", multiple: true },
      srm: { type: "string" },
      metric: { type: "string", multiple: true },
      seed: { type: "string" },
    },
    USAGE,
  );
  if (positionals.length > 0)
    throw new CliError(`unexpected ${JSON.stringify(positionals[0])}\n${USAGE}`, EXIT.USAGE);
  const users = parseUsers(values.users);
  const days = parseDays(values.days);
  const end = parseEnd(values.end, new Date());
  const seed = parseSeed(values.seed);
  const manifest = manifestPath(values.manifest, io);
  // A bulk writer waits for the store as long as it takes: under millions of events a commit can queue
  // behind the store's folding for longer than the 30 s an app's request would accept.
  const assay = await createAssay({
    manifest,
    handleSignals: false,
    storeStartupTimeoutMs: 0,
    pipeline: { retry: { deadlineMs: SLOW_COMMIT_MS } },
  });
  try {
    const definition = pickExperiment(assay.experiments() as ExperimentEntry[], values.experiment);
    if (definition.unit !== "user" && definition.unit !== "session") {
      throw new CliError(
        `experiment ${definition.id}: unit ${JSON.stringify(definition.unit)}; simulate writes user or session units`,
        EXIT.USAGE,
      );
    }
    const control = definition.variants.find((v) => v.isControl)?.id ?? definition.variants[0]!.id;
    const variants = definition.variants.map((v) => v.id);
    const plan = definition.analysis;
    const guardrails = (plan?.guardrails ?? []).map((m) => m.metric);
    const planned =
      plan === undefined ? [] : [...plan.primary, ...(plan.secondary ?? [])].map((m) => m.metric);
    const metrics = parseMetrics(values.metric, [...planned, ...guardrails]);
    const names = metrics.map((m) => m.metric);
    const spec: SimulationSpec = {
      experiment: definition.id,
      users,
      days,
      end,
      seed,
      metrics,
      effects: parseEffects(
        values.effect,
        names,
        variants.filter((v) => v !== control),
      ),
      ...optional("srm", parseSrm(values.srm, variants)),
    };
    const unit = definition.unit === "session" ? "session" : "user";
    const counts = await generate(
      spec,
      { variants, control, guardrails, unit },
      {
        assign: (id) => {
          const ctx =
            unit === "session"
              ? ExperimentContext.anonymous({ sessionId: id })
              : ExperimentContext.forUser(id);
          const assignment = assay.assign(definition.id, ctx);
          return assignment.inExperiment ? assignment.variantId : undefined;
        },
        append: (events) => assay.store.append(events),
      },
    );
    await assay.store.flush?.();
    // One summary now folds the store's rollups, so the first page of `assay serve` does not wait for it.
    await assay.summarize(definition.id, { daily: true });
    const effects = spec.effects.map(
      (e) =>
        `${e.variant === undefined ? "" : `${e.variant}:`}${e.metric} ${e.relative >= 0 ? "+" : ""}${+(e.relative * 100).toFixed(4)}%`,
    );
    const srm =
      spec.srm === undefined ? undefined : `${spec.srm.variant} -${+(spec.srm.loss * 100).toFixed(4)}%`;
    await writeSimulationNote(dirname(resolve(manifest)), {
      experiment: definition.id,
      seed,
      users,
      days,
      end,
      effects,
      ...optional("srm", srm),
      exposures: counts.exposures,
      outcomes: counts.outcomes,
      writtenAt: new Date().toISOString(),
    });
    const untouched = names.filter((m) => !spec.effects.some((e) => e.metric === m));
    const lines = [
      `simulated ${definition.id}: ${fmt(users)} visitors over ${days} days to ${end} (seed ${seed})`,
      `  units: ${variants.map((v) => `${v} ${fmt(counts.units[v] ?? 0)}`).join(", ")}${counts.lost > 0 ? `; ${fmt(counts.lost)} of ${srm?.split(" ")[0]}'s lost (--srm)` : ""}`,
      `  wrote ${fmt(counts.exposures)} exposures and ${fmt(counts.outcomes)} outcomes (${metrics.map((m) => `${m.metric}: ${m.kind}`).join(", ")}) into the ${assay.store.name} store${counts.duplicates > 0 ? `; ${fmt(counts.duplicates)} were there already` : ""}`,
      `  true effects: ${effects.length === 0 ? "none" : effects.join(", ")}${untouched.length > 0 && effects.length > 0 ? `; none on ${untouched.join(", ")}` : ""}`,
      `see it: npm run assay -- results ${definition.id} --manifest ${manifest}  (or: npm run assay -- serve --manifest ${manifest})`,
    ];
    await write(io.stdout, `${lines.join("\n")}\n`);
    return EXIT.OK;
  } finally {
    await assay.close();
  }
}

/** An hour: a commit that takes longer means a store that is stuck, not busy. */
const SLOW_COMMIT_MS = 3_600_000;

/** `--experiment`, else the manifest's only experiment; several without the flag is a usage error. */
function pickExperiment(experiments: readonly ExperimentEntry[], id: string | undefined): ExperimentEntry {
  const known = experiments.map((e) => e.id).join(", ");
  if (id !== undefined) {
    const found = experiments.find((e) => e.id === id);
    if (found === undefined)
      throw new CliError(
        `--experiment ${JSON.stringify(id)}: not in the manifest (experiments: ${known})`,
        EXIT.USAGE,
      );
    return found;
  }
  if (experiments.length === 1) return experiments[0]!;
  throw new CliError(
    experiments.length === 0
      ? "the manifest declares no experiment"
      : `the manifest declares ${experiments.length} experiments; pass --experiment ID (${known})`,
    EXIT.USAGE,
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const fmt = (n: number) => n.toLocaleString("en-US");
