import type { ExperimentEntry } from "@assay/config";
import { ExperimentContext, type ExperimentDefinition, type StoredEvent } from "@assay/core";
import { writeSimulationNote } from "@assay/server";
import { CliError, EXIT } from "../exit-codes.js";
import { generate, type SimulationCounts } from "./generate.js";
import {
  parseDays,
  parseEffects,
  parseEnd,
  parseMetrics,
  parseOrderValue,
  parseSeed,
  parseSrm,
  parseUsers,
  type SimulationSpec,
} from "./spec.js";

/** The client the simulation writes through: its experiments, its assignment and its store. */
export interface SimulationClient {
  experiments(): readonly ExperimentDefinition[];
  assign(
    experiment: string,
    ctx: ExperimentContext,
  ): { readonly variantId: string; readonly inExperiment: boolean };
  readonly store: {
    append(
      events: readonly StoredEvent[],
    ): Promise<{ readonly inserted: number; readonly duplicates: number }>;
    flush?(): Promise<void>;
  };
  summarize(experiment: string, options: { readonly daily: true }): Promise<unknown>;
}

/** What to simulate, written as `assay simulate`'s flags are (`effects: ["checkout=+15%"]`). */
export interface SimulationRequest {
  /** Default: the manifest's only experiment. */
  readonly experiment?: string;
  readonly users: number | string;
  readonly days?: number | string;
  /** `YYYY-MM-DD`; default yesterday (UTC). */
  readonly end?: string;
  readonly seed?: string;
  /** `[VARIANT:]METRIC=±P%` each. */
  readonly effects?: readonly string[];
  /** `VARIANT=-P%`. */
  readonly srm?: string;
  /** `NAME[:KIND]` each; default the analysis plan's metrics, else conversion and revenue. */
  readonly metrics?: readonly string[];
  /** Mean order value of a converting unit; default 50. */
  readonly orderValue?: number | string;
}

/** What was written, with the spec it was written from and the effects as the note shows them. */
export interface SimulationResult {
  readonly spec: SimulationSpec;
  readonly counts: SimulationCounts;
  readonly variants: readonly string[];
  /** `"checkout +15%"`, `"blue:revenue -3%"`. */
  readonly effects: readonly string[];
  readonly srm?: string;
}

/**
 * Writes the data set `request` describes into the client's store through its own assignment, waits
 * until it is stored, folds the store's summary once (so the first page read does not wait for it), and
 * records the note that marks the experiment simulated in `manifestDir`. A bad request is a
 * {@link CliError} with exit code 2 naming the field and the value.
 */
export async function simulateInto(
  client: SimulationClient,
  manifestDir: string,
  request: SimulationRequest,
): Promise<SimulationResult> {
  const definition = pickExperiment(client.experiments() as ExperimentEntry[], request.experiment);
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
  const planned = plan === undefined ? [] : [...plan.primary, ...(plan.secondary ?? [])].map((m) => m.metric);
  const metrics = parseMetrics(request.metrics, [...planned, ...guardrails]);
  const names = metrics.map((m) => m.metric);
  const srm = parseSrm(request.srm, variants);
  const spec: SimulationSpec = {
    experiment: definition.id,
    users: parseUsers(text(request.users)),
    days: parseDays(text(request.days)),
    end: parseEnd(request.end, new Date()),
    seed: parseSeed(request.seed),
    metrics,
    effects: parseEffects(
      request.effects,
      names,
      variants.filter((v) => v !== control),
    ),
    orderValue: parseOrderValue(text(request.orderValue)),
    ...(srm === undefined ? {} : { srm }),
  };
  const unit = definition.unit === "session" ? "session" : "user";
  const counts = await generate(
    spec,
    {
      variants,
      control,
      guardrails,
      unit,
      ...(definition.dimensions === undefined ? {} : { dimensions: definition.dimensions }),
    },
    {
      assign: (id) => {
        const ctx =
          unit === "session" ? ExperimentContext.anonymous({ sessionId: id }) : ExperimentContext.forUser(id);
        const assignment = client.assign(definition.id, ctx);
        return assignment.inExperiment ? assignment.variantId : undefined;
      },
      append: (events) => client.store.append(events),
    },
  );
  await client.store.flush?.();
  await client.summarize(definition.id, { daily: true });
  const effects = spec.effects.map(
    (e) =>
      `${e.variant === undefined ? "" : `${e.variant}:`}${e.metric} ${e.relative >= 0 ? "+" : ""}${+(e.relative * 100).toFixed(4)}%`,
  );
  const srmText =
    spec.srm === undefined ? undefined : `${spec.srm.variant} -${+(spec.srm.loss * 100).toFixed(4)}%`;
  await writeSimulationNote(manifestDir, {
    experiment: definition.id,
    seed: spec.seed,
    users: spec.users,
    days: spec.days,
    end: spec.end,
    effects,
    ...(srmText === undefined ? {} : { srm: srmText }),
    exposures: counts.exposures,
    outcomes: counts.outcomes,
    writtenAt: new Date().toISOString(),
  });
  return { spec, counts, variants, effects, ...(srmText === undefined ? {} : { srm: srmText }) };
}

const text = (value: number | string | undefined) => (value === undefined ? undefined : String(value));

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
