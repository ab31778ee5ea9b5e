import { InvalidContextError } from "../errors/experiment-error.js";
import type { OutcomeKind } from "../records/outcome-value.js";
import { DEFAULT_ENVIRONMENT } from "../records/segment.js";
import {
  type BreakdownRows,
  type BreakdownSummary,
  breakdownSummary,
  requireBreakdownDimension,
} from "./breakdown.js";
import { cappedSummary } from "./capping.js";
import { CompensatedSum, statsOfValues } from "./centred-moments.js";
import { cupedSummary } from "./cuped.js";
import { type DailyTruncation, dailyEnd } from "./daily-bound.js";
import type {
  DailySummary,
  ExperimentSummary,
  MetricSummary,
  StoredEvent,
  SummaryQuery,
  SummaryUnit,
  VariantSummary,
} from "./event-store.js";
import { quantileSummary } from "./quantiles.js";
import { environmentOf, phaseOf, resolveScope, summaryScope } from "./scope.js";
import { windowedSummary } from "./windowing.js";

interface FirstExposure {
  variantId: string;
  time: number;
  eventId: string;
  dimensions: Readonly<Record<string, string>> | undefined;
}

const DAY_MS = 86_400_000;

/**
 * The reference semantics of `EventStore.summarize`, over events held in memory. Stores with a query
 * engine compute the same numbers in SQL; this function is what they are tested against.
 *
 * - A unit's variant is the variant of its first exposure (by timestamp, not arrival; equal timestamps are
 *   ordered by eventId, so every store agrees whatever the arrival order).
 * - An outcome counts only if its timestamp is at or after the unit's first exposure.
 * - Per unit: bool = converted at least once (0/1); numeric and count = sum of values.
 * - Every exposed unit contributes one observation per metric (0 when it has no counted outcome).
 * - Only the events of one environment and one phase count (`query.environment`, default "default";
 *   `query.phase`, default the highest phase with an exposure there): environments sharing a store never mix
 *   and a re-randomized experiment's phases are never pooled.
 * - The daily series (`query.daily`) is, for each UTC day, this same summary over the events timestamped
 *   before the day ended, computed here by brute force (one pass per day) so it is easy to trust.
 */
export function summarizeEvents(events: Iterable<StoredEvent>, query: SummaryQuery): ExperimentSummary {
  const ofExperiment = [...events].filter((e) => e.experiment === query.experiment);
  const environment = query.environment ?? DEFAULT_ENVIRONMENT;
  const inEnvironment = ofExperiment.filter((e) => environmentOf(e) === environment);
  const phases = inEnvironment.filter((e) => e.type === "exposure").map(phaseOf);
  const scope = resolveScope(query, phases);
  const all = inEnvironment.filter((e) => phaseOf(e) === scope.phase);
  const versions = all.flatMap((e) =>
    e.type === "exposure" && e.manifestVersion !== undefined ? [e.manifestVersion] : [],
  );
  const once = summarizeOnce(all, query);
  const { firstDay, lastDay } = once;
  const summary = { ...once.summary, scope: summaryScope(environment, scope.phase, phases, versions) };
  if (query.daily !== true) return summary;
  const daily: DailySummary[] = [];
  const unitOf = unitKey(query.unit ?? "user");
  let truncated: DailyTruncation | undefined;
  if (firstDay !== undefined && lastDay !== undefined) {
    const bound = dailyEnd(firstDay, lastDay);
    truncated = bound.truncated;
    for (let day = firstDay; day <= bound.end; day++) {
      const end = (day + 1) * DAY_MS;
      const prefix = summarizeOnce(
        all.filter((e) => e.timestamp.getTime() < end),
        query,
      ).summary;
      daily.push({
        day: new Date(day * DAY_MS).toISOString().slice(0, 10),
        variants: summary.variants.map((v) => ({
          variantId: v.variantId,
          exposedUnits: prefix.variants.find((p) => p.variantId === v.variantId)?.exposedUnits ?? 0,
          exposures: all.filter(
            (e) =>
              e.type === "exposure" &&
              e.variantId === v.variantId &&
              unitOf(e) !== undefined &&
              e.timestamp.getTime() < end,
          ).length,
        })),
        metrics: summary.metrics.map((m) => {
          const found = prefix.metrics.find((p) => p.metric === m.metric);
          return {
            metric: m.metric,
            variants: summary.variants.map((v) => {
              const stats = found?.variants.find((p) => p.variantId === v.variantId);
              const n = prefix.variants.find((p) => p.variantId === v.variantId)?.exposedUnits ?? 0;
              return {
                variantId: v.variantId,
                n,
                sum: stats?.sum ?? 0,
                sumSquares: stats?.sumSquares ?? 0,
                sumSquaredDeviations: stats?.sumSquaredDeviations ?? 0,
              };
            }),
          };
        }),
      });
    }
  }
  return { ...summary, daily, ...(truncated !== undefined ? { dailyTruncated: truncated } : {}) };
}

function summarizeOnce(
  events: readonly StoredEvent[],
  query: SummaryQuery,
): { summary: ExperimentSummary; firstDay: number | undefined; lastDay: number | undefined } {
  let lastTime = Number.NEGATIVE_INFINITY;
  const unitOf = unitKey(query.unit ?? "user");
  const first = new Map<string, FirstExposure>();
  const exposureCounts = new Map<string, number>();
  // unit -> variant -> its exposures to it
  const variantsOfUnit = new Map<string, Map<string, number>>();
  const outcomes: StoredEvent[] = [];

  for (const event of events) {
    if (event.type === "outcome") {
      outcomes.push(event);
      continue;
    }
    const unit = unitOf(event);
    if (unit === undefined) continue;
    exposureCounts.set(event.variantId, (exposureCounts.get(event.variantId) ?? 0) + 1);
    const time = event.timestamp.getTime();
    lastTime = Math.max(lastTime, time);
    const seen = first.get(unit);
    if (seen === undefined || time < seen.time || (time === seen.time && event.eventId < seen.eventId)) {
      first.set(unit, {
        variantId: event.variantId,
        time,
        eventId: event.eventId,
        dimensions: event.dimensions,
      });
    }
    const variants = variantsOfUnit.get(unit) ?? new Map<string, number>();
    variants.set(event.variantId, (variants.get(event.variantId) ?? 0) + 1);
    variantsOfUnit.set(unit, variants);
  }

  const wanted = query.metrics === undefined ? undefined : new Set(query.metrics);
  const kinds = new Map<string, OutcomeKind>();
  // metric -> unit -> aggregated value
  const perUnit = new Map<string, Map<string, number>>();
  let unattributed = 0;
  for (const event of outcomes) {
    if (event.type !== "outcome") continue;
    if (wanted !== undefined && !wanted.has(event.metric)) continue;
    const known = kinds.get(event.metric);
    if (known !== undefined && known !== event.value.kind) {
      throw new InvalidContextError(
        `metric ${JSON.stringify(event.metric)} of experiment ${JSON.stringify(query.experiment)} has outcomes of kind ${known} and ${event.value.kind}; one metric has one kind`,
      );
    }
    kinds.set(event.metric, event.value.kind);
    const unit = unitOf(event);
    const exposure = unit === undefined ? undefined : first.get(unit);
    if (unit === undefined || exposure === undefined || event.timestamp.getTime() < exposure.time) {
      unattributed++;
      continue;
    }
    lastTime = Math.max(lastTime, event.timestamp.getTime());
    const values = perUnit.get(event.metric) ?? new Map<string, number>();
    perUnit.set(event.metric, values);
    const previous = values.get(unit) ?? 0;
    values.set(
      unit,
      event.value.kind === "bool"
        ? Math.max(previous, event.value.value ? 1 : 0)
        : previous + event.value.value,
    );
  }

  const variantIds = [...new Set([...first.values()].map((f) => f.variantId))].sort();
  const exposedUnits = new Map<string, number>();
  for (const f of first.values()) exposedUnits.set(f.variantId, (exposedUnits.get(f.variantId) ?? 0) + 1);
  const variants: VariantSummary[] = variantIds.map((variantId) => ({
    variantId,
    exposedUnits: exposedUnits.get(variantId) ?? 0,
    exposures: exposureCounts.get(variantId) ?? 0,
  }));

  const metricNames =
    wanted === undefined ? [...kinds.keys()].sort() : [...wanted].filter((m) => kinds.has(m)).sort();
  const metrics: MetricSummary[] = metricNames.map((metric) => {
    const values = perUnit.get(metric) ?? new Map<string, number>();
    const byVariant = new Map<string, number[]>(variantIds.map((v) => [v, []]));
    for (const [unit, exposure] of first) byVariant.get(exposure.variantId)!.push(values.get(unit) ?? 0);
    return {
      metric,
      kind: kinds.get(metric)!,
      variants: variantIds.map((variantId) => ({ variantId, ...statsOfValues(byVariant.get(variantId)!) })),
    };
  });

  // Cross-products of the ratio pairs asked for, over exposed units (a unit without a value counts 0).
  const ratios = query.ratios?.map((pair) => {
    const x = perUnit.get(pair.numerator);
    const y = perUnit.get(pair.denominator);
    const sums = new Map<string, CompensatedSum>(variantIds.map((v) => [v, new CompensatedSum()]));
    for (const [unit, exposure] of first)
      sums.get(exposure.variantId)!.add((x?.get(unit) ?? 0) * (y?.get(unit) ?? 0));
    return {
      numerator: pair.numerator,
      denominator: pair.denominator,
      variants: variantIds.map((variantId) => ({ variantId, sumProducts: sums.get(variantId)!.value })),
    };
  });

  const exposedByVariant = new Map(variantIds.map((v) => [v, exposedUnits.get(v) ?? 0]));
  const capped = query.capped?.map((request) =>
    cappedSummary(
      request,
      [...(perUnit.get(request.metric) ?? new Map<string, number>())].map(([unit, value]) => ({
        variantId: first.get(unit)!.variantId,
        value,
      })),
      exposedByVariant,
    ),
  );

  const quantiles = query.quantiles?.map((request) =>
    quantileSummary(
      request,
      [...(perUnit.get(request.metric) ?? new Map<string, number>())].map(([unit, value]) => ({
        variantId: first.get(unit)!.variantId,
        value,
      })),
      exposedByVariant,
    ),
  );

  // Windowed metrics: per unit, the outcomes with first exposure <= time < first exposure + window.
  const windowed = query.windowed?.map((request) => {
    const values = new Map<string, number>();
    for (const event of outcomes) {
      if (event.type !== "outcome" || event.metric !== request.metric) continue;
      const unit = unitOf(event);
      const exposure = unit === undefined ? undefined : first.get(unit);
      if (unit === undefined || exposure === undefined) continue;
      const time = event.timestamp.getTime();
      if (time < exposure.time || time >= exposure.time + request.windowMs) continue;
      const previous = values.get(unit) ?? 0;
      values.set(
        unit,
        event.value.kind === "bool"
          ? Math.max(previous, event.value.value ? 1 : 0)
          : previous + event.value.value,
      );
    }
    return windowedSummary(
      request,
      [...values].map(([unit, value]) => ({ variantId: first.get(unit)!.variantId, value })),
      exposedByVariant,
    );
  });

  // CUPED covariates: per unit, the metric's outcomes in the pre-period before its first exposure.
  const cuped = query.cuped?.map((request) => {
    const pre = new Map<string, number>();
    for (const event of outcomes) {
      if (event.type !== "outcome" || event.metric !== request.metric) continue;
      const unit = unitOf(event);
      const exposure = unit === undefined ? undefined : first.get(unit);
      if (unit === undefined || exposure === undefined) continue;
      const time = event.timestamp.getTime();
      if (time >= exposure.time || time < exposure.time - request.preWindowMs) continue;
      const previous = pre.get(unit) ?? 0;
      pre.set(
        unit,
        event.value.kind === "bool"
          ? Math.max(previous, event.value.value ? 1 : 0)
          : previous + event.value.value,
      );
    }
    const y = perUnit.get(request.metric);
    return cupedSummary(
      request,
      [...pre].map(([unit, x]) => ({ variantId: first.get(unit)!.variantId, x, y: y?.get(unit) ?? 0 })),
      variantIds,
    );
  });

  // Breakdown: each unit in the slice of its first exposure's value of the dimension (null: not carried).
  const breakdown =
    query.breakdown === undefined
      ? undefined
      : referenceBreakdown(query.breakdown, first, variantsOfUnit, perUnit, variants, metrics);

  let unitsInSeveralVariants = 0;
  for (const set of variantsOfUnit.values()) if (set.size > 1) unitsInSeveralVariants++;

  let firstTime = Number.POSITIVE_INFINITY;
  for (const f of first.values()) firstTime = Math.min(firstTime, f.time);
  return {
    summary: {
      experiment: query.experiment,
      variants,
      metrics,
      unitsInSeveralVariants,
      unattributedOutcomes: unattributed,
      ...(ratios === undefined ? {} : { ratios }),
      ...(capped === undefined ? {} : { capped }),
      ...(windowed === undefined ? {} : { windowed }),
      ...(cuped === undefined ? {} : { cuped }),
      ...(breakdown === undefined ? {} : { breakdown }),
      ...(quantiles === undefined ? {} : { quantiles }),
    },
    firstDay: first.size === 0 ? undefined : Math.floor(firstTime / DAY_MS),
    lastDay: first.size === 0 ? undefined : Math.floor(lastTime / DAY_MS),
  };
}

function referenceBreakdown(
  dimension: string,
  first: ReadonlyMap<string, FirstExposure>,
  variantsOfUnit: ReadonlyMap<string, ReadonlyMap<string, number>>,
  perUnit: ReadonlyMap<string, ReadonlyMap<string, number>>,
  variants: readonly VariantSummary[],
  metrics: readonly MetricSummary[],
): BreakdownSummary {
  requireBreakdownDimension(dimension);
  const units: Array<BreakdownRows["units"][number]> = [];
  const values: Array<BreakdownRows["values"][number]> = [];
  for (const [unit, exposure] of first) {
    const value = exposure.dimensions?.[dimension] ?? null;
    units.push({ value, variantId: exposure.variantId, units: 1, exposures: 0 });
    // a unit's raw exposures count under the variant of each (as the summary's exposures do)
    for (const [variantId, exposures] of variantsOfUnit.get(unit) ?? [])
      units.push({ value, variantId, units: 0, exposures });
    for (const [metric, byUnit] of perUnit) {
      const v = byUnit.get(unit);
      if (v !== undefined) values.push({ value, variantId: exposure.variantId, metric, v });
    }
  }
  return breakdownSummary(dimension, { units, values }, variants, metrics);
}

function unitKey(unit: SummaryUnit): (event: StoredEvent) => string | undefined {
  // Prefixes keep a user id and an equal session id from being taken for one unit.
  if (unit === "session") return (e) => (e.sessionId === undefined ? undefined : `s:${e.sessionId}`);
  return (e) =>
    e.userId !== undefined ? `u:${e.userId}` : e.sessionId !== undefined ? `s:${e.sessionId}` : undefined;
}
