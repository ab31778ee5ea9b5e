import type { OutcomeValue, StoredEvent } from "@assay/core";
import { type MetricModel, metricModels, orderValue } from "./metric-models.js";
import { SeededRandom } from "./random.js";
import type { SimulationSpec } from "./spec.js";
import { Traffic } from "./traffic.js";

/** Where the simulation writes, and whom the experiment enrolls. */
export interface SimulationTarget {
  /** The variant the experiment serves `unit` (the app's own `assign`), or undefined if it is not enrolled. */
  assign(unit: string): string | undefined;
  /** Stores a batch (the event store's `append`); resolves with how many were new. */
  append(events: readonly StoredEvent[]): Promise<{ readonly inserted: number; readonly duplicates: number }>;
}

/** The experiment as the simulation needs it. */
export interface SimulatedExperiment {
  readonly variants: readonly string[];
  readonly control: string;
  /** Guardrail metrics get the low base rate of errors and refunds. */
  readonly guardrails: readonly string[];
  /** Which id the unit is: a user id, or a session id for `unit = "session"`. */
  readonly unit: "user" | "session";
  /** The dimensions it declares: each unit gets a value of each on all its exposures (see dimensionValues). */
  readonly dimensions?: readonly string[];
}

/** What a simulation wrote. */
export interface SimulationCounts {
  readonly users: number;
  /** Per variant, the units exposed. */
  readonly units: Readonly<Record<string, number>>;
  /** Units the experiment enrolled but the `--srm` loss dropped. */
  readonly lost: number;
  readonly exposures: number;
  readonly outcomes: number;
  /** Events the store already held (a rerun with the same seed writes nothing twice). */
  readonly duplicates: number;
}

const HOUR_MS = 3_600_000;
/** After the first visit, a visitor comes back Poisson(0.6) times, a day and a half later on average. */
const RETURN_VISITS = 0.6;
const RETURN_WAIT_MS = 36 * HOUR_MS;
/** A converting visitor buys three hours after the first visit on average; other actions six. */
const CONVERSION_WAIT_MS = 3 * HOUR_MS;
const ACTION_WAIT_MS = 6 * HOUR_MS;
const BATCH = 20_000;

/** Values a simulated unit may have: a plausible mix for country and platform, three levels for any other. */
const DIMENSION_VALUES: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>> = {
  country: [
    ["US", 40],
    ["DE", 20],
    ["FR", 15],
    ["GB", 15],
    ["BR", 10],
  ],
  platform: [
    ["web", 50],
    ["ios", 30],
    ["android", 20],
  ],
};

/**
 * One unit's dimension values: each declared dimension drawn from DIMENSION_VALUES (or `<name>-1..3` evenly),
 * left out for 1 unit in 20, as an app that cannot always tell (the breakdown's "not recorded" slice).
 */
function dimensionValues(
  declared: readonly string[],
  random: SeededRandom,
): Record<string, string> | undefined {
  if (declared.length === 0) return undefined;
  const values: Record<string, string> = {};
  for (const name of declared) {
    const levels = DIMENSION_VALUES[name] ?? [1, 2, 3].map((i) => [`${name}-${i}`, 1] as const);
    const missing = random.chance(0.05);
    const at = random.pick(
      levels.map(([, w]) => w),
      levels.reduce((n, [, w]) => n + w, 0),
    );
    if (!missing) values[name] = levels[at]![0];
  }
  return Object.keys(values).length === 0 ? undefined : values;
}
const IN_FLIGHT = 2;

/**
 * Writes the data set of `spec` for an experiment with these variants: `spec.users` visitors arrive over
 * the days; each the experiment enrolls is exposed on the first visit and on each return, and then acts by
 * its variant's models (see `metricModels`). Units are `sim-<seed>-<n>` and event ids `sim:<seed>:…`, so
 * the same spec writes the same events (a rerun only finds duplicates), and simulated units are never
 * mistaken for real ones. Outcomes that would fall after the last day are not written, as in a live test.
 */
export async function generate(
  spec: SimulationSpec,
  experiment: SimulatedExperiment,
  target: SimulationTarget,
): Promise<SimulationCounts> {
  const random = new SeededRandom(`${spec.seed}/${spec.experiment}`);
  // A stream of its own, so declaring dimensions changes none of the other draws.
  const dimensionRandom = new SeededRandom(`${spec.seed}/${spec.experiment}/dimensions`);
  const declared = experiment.dimensions ?? [];
  const traffic = new Traffic(spec.days, spec.end);
  const models = metricModels(spec, experiment.variants, experiment.control, experiment.guardrails);
  // The conversion is drawn first, so an order value can follow it whatever order the plan lists them in.
  const conversion = spec.metrics.findIndex((m) => m.kind === "bool");
  const order = spec.metrics
    .map((_, m) => m)
    .sort((a, b) => Number(b === conversion) - Number(a === conversion));
  const units: Record<string, number> = Object.fromEntries(experiment.variants.map((v) => [v, 0]));
  let lost = 0;
  let exposures = 0;
  let outcomes = 0;
  let duplicates = 0;
  let batch: StoredEvent[] = [];
  const pending = new Set<Promise<void>>();
  const flush = async () => {
    const events = batch;
    batch = [];
    const commit = target.append(events).then((result) => {
      duplicates += result.duplicates;
      pending.delete(commit);
    });
    pending.add(commit);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  };

  for (let n = 0; n < spec.users; n++) {
    const unit = `sim-${spec.seed}-${n}`;
    // Drawn for every visitor, enrolled or not, so one visitor's draws never depend on another's variant.
    const first = traffic.arrival(random);
    const variant = target.assign(unit);
    if (variant === undefined) continue;
    if (spec.srm?.variant === variant && random.chance(spec.srm.loss)) {
      lost++;
      continue;
    }
    units[variant] = (units[variant] ?? 0) + 1;
    // Event ids are unique per store, across experiments: the experiment is part of them.
    const id = `sim:${spec.seed}:${spec.experiment}:${n}`;
    const who = experiment.unit === "session" ? { sessionId: unit } : { userId: unit };
    const dimensions = dimensionValues(declared, dimensionRandom);
    const exposure = (k: number, at: number): StoredEvent => ({
      type: "exposure",
      eventId: `${id}:x${k}`,
      experiment: spec.experiment,
      variantId: variant,
      ...who,
      timestamp: new Date(at),
      ...(dimensions === undefined ? {} : { dimensions }),
    });
    batch.push(exposure(0, first));
    exposures++;
    let visit = first;
    const returns = random.poisson(RETURN_VISITS);
    for (let k = 1; k <= returns; k++) {
      const at = traffic.later(random, visit, RETURN_WAIT_MS);
      if (at === undefined) break;
      visit = at;
      batch.push(exposure(k, at));
      exposures++;
    }
    const outcome = (m: number, value: OutcomeValue, at: number): StoredEvent => ({
      type: "outcome",
      eventId: `${id}:m${m}`,
      experiment: spec.experiment,
      metric: spec.metrics[m]!.metric,
      value,
      ...who,
      timestamp: new Date(at),
    });
    let boughtAt: number | undefined;
    const list = models.get(variant)!;
    for (const m of order) {
      const written = draw(list[m]!, m);
      if (written !== undefined) {
        batch.push(written);
        outcomes++;
      }
    }
    if (batch.length >= BATCH) await flush();

    function draw(model: MetricModel, m: number): StoredEvent | undefined {
      if (model.kind === "bool") {
        if (!random.chance(model.rate)) return undefined;
        const at = traffic.later(random, first, model.conversion ? CONVERSION_WAIT_MS : ACTION_WAIT_MS);
        if (at === undefined) return undefined;
        if (model.conversion) boughtAt = at;
        return outcome(m, { kind: "bool", value: true }, at);
      }
      if (model.kind === "numeric") {
        if (!model.perConversion) {
          const value = orderValue(random, model.mean);
          const at = traffic.later(random, first, ACTION_WAIT_MS);
          return at === undefined ? undefined : outcome(m, value, at);
        }
        return boughtAt === undefined
          ? undefined
          : outcome(m, orderValue(random, model.mean), boughtAt + 1000);
      }
      const count = random.poisson(model.mean);
      const at = traffic.later(random, first, ACTION_WAIT_MS);
      return count === 0 || at === undefined ? undefined : outcome(m, { kind: "count", value: count }, at);
    }
  }
  if (batch.length > 0) await flush();
  await Promise.all(pending);
  return { users: spec.users, units, lost, exposures, outcomes, duplicates };
}
