import { InvalidContextError } from "../errors/experiment-error.js";
import type { OutcomeKind } from "../records/outcome-value.js";
import type {
  ExperimentSummary,
  MetricSummary,
  StoredEvent,
  SummaryQuery,
  SummaryUnit,
  VariantSummary,
} from "./event-store.js";

interface FirstExposure {
  variantId: string;
  time: number;
}

/**
 * The reference semantics of `EventStore.summarize`, over events held in memory. Stores with a query
 * engine compute the same numbers in SQL; this function is what they are tested against.
 *
 * - A unit's variant is the variant of its first exposure (by timestamp, not arrival).
 * - An outcome counts only if its timestamp is at or after the unit's first exposure.
 * - Per unit: bool = converted at least once (0/1); numeric and count = sum of values.
 * - Every exposed unit contributes one observation per metric (0 when it has no counted outcome).
 */
export function summarizeEvents(events: Iterable<StoredEvent>, query: SummaryQuery): ExperimentSummary {
  const unitOf = unitKey(query.unit ?? "user");
  const first = new Map<string, FirstExposure>();
  const exposureCounts = new Map<string, number>();
  const variantsOfUnit = new Map<string, Set<string>>();
  const outcomes: StoredEvent[] = [];

  for (const event of events) {
    if (event.experiment !== query.experiment) continue;
    if (event.type === "outcome") {
      outcomes.push(event);
      continue;
    }
    const unit = unitOf(event);
    if (unit === undefined) continue;
    exposureCounts.set(event.variantId, (exposureCounts.get(event.variantId) ?? 0) + 1);
    const time = event.timestamp.getTime();
    const seen = first.get(unit);
    if (seen === undefined || time < seen.time) first.set(unit, { variantId: event.variantId, time });
    const variants = variantsOfUnit.get(unit) ?? new Set<string>();
    variants.add(event.variantId);
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
    const stats = new Map(variantIds.map((v) => [v, { n: 0, sum: 0, sumSquares: 0 }]));
    for (const [unit, exposure] of first) {
      const s = stats.get(exposure.variantId)!;
      const value = values.get(unit) ?? 0;
      s.n++;
      s.sum += value;
      s.sumSquares += value * value;
    }
    return {
      metric,
      kind: kinds.get(metric)!,
      variants: variantIds.map((variantId) => ({ variantId, ...stats.get(variantId)! })),
    };
  });

  let unitsInSeveralVariants = 0;
  for (const set of variantsOfUnit.values()) if (set.size > 1) unitsInSeveralVariants++;

  return {
    experiment: query.experiment,
    variants,
    metrics,
    unitsInSeveralVariants,
    unattributedOutcomes: unattributed,
  };
}

function unitKey(unit: SummaryUnit): (event: StoredEvent) => string | undefined {
  // Prefixes keep a user id and an equal session id from being taken for one unit.
  if (unit === "session") return (e) => (e.sessionId === undefined ? undefined : `s:${e.sessionId}`);
  return (e) =>
    e.userId !== undefined ? `u:${e.userId}` : e.sessionId !== undefined ? `s:${e.sessionId}` : undefined;
}
