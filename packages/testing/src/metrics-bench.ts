import type { EventStore, StoredEvent, SummaryQuery } from "@assay/core";
import { uuidv7 } from "@assay/core";
import { row } from "./bench.js";

/**
 * The metrics benchmark of issue 20, shared by both stores: one experiment with 10 metric definitions (2
 * ratio, 2 capped, 2 windowed, CUPED on 4) and 2 dimensions, 10 events per unit, summarized as `assay results`
 * asks for it. Each unit: an exposure carrying country and platform, 3 outcomes in the 14 days before it
 * (CUPED's pre-period) and 6 after (some past the windows).
 */

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 10, 1);
export const METRICS_EVENTS_PER_UNIT = 10;

/** The summary query of the 10 metrics (what `assay results` asks for such a plan). */
export function metricsQuery(experiment: string): SummaryQuery {
  const day = DAY_MS;
  return {
    experiment,
    ratios: [
      { numerator: "revenue", denominator: "orders" },
      { numerator: "items", denominator: "orders" },
    ],
    capped: [
      { metric: "revenue", percentile: 0.99 },
      { metric: "session_s", value: 3_600 },
    ],
    windowed: [
      { metric: "converted", windowMs: 7 * day },
      { metric: "clicks", windowMs: day },
    ],
    cuped: [
      { metric: "revenue", preWindowMs: 14 * day },
      { metric: "pageviews", preWindowMs: 14 * day },
      { metric: "session_s", preWindowMs: 14 * day },
      { metric: "clicks", preWindowMs: 14 * day },
    ],
  };
}

const COUNTRIES = ["US", "DE", "FR", "JP", "BR", "IN", "GB", "CA"];
const PLATFORMS = ["ios", "android", "web"];

/** A small deterministic hash of (unit, k), so runs store the same values. */
function noise(unit: number, k: number): number {
  let h = (unit * 2_654_435_761 + k * 40_503) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 1_274_126_177) >>> 0;
  return (h >>> 8) / 16_777_216;
}

/** Event `i` of the workload over `units` units (0 ≤ i < units × 10). */
export function metricsEvent(experiment: string, units: number, i: number): StoredEvent {
  const unit = i % units;
  const round = Math.floor(i / units);
  // past the first 10 per unit (the "more events" of the benchmark): outcomes after the exposure again
  const k = round < METRICS_EVENTS_PER_UNIT ? round : 4 + (round % 6);
  const exposedAt = START + 14 * DAY_MS + Math.floor((unit / units) * 14 * DAY_MS);
  const userId = `user-${unit}`;
  const base = { eventId: uuidv7(), experiment, userId };
  if (k === 0) {
    return {
      type: "exposure",
      ...base,
      variantId: unit % 2 === 0 ? "control" : "treatment",
      timestamp: new Date(exposedAt),
      dimensions: { country: COUNTRIES[unit % COUNTRIES.length]!, platform: PLATFORMS[unit % 3]! },
    };
  }
  const r = noise(unit, round);
  // k 1..3: before the exposure (pre-period); 4..9 after, spread over 10 days (some outside the windows)
  const timestamp = new Date(
    k <= 3 ? exposedAt - Math.floor(r * 13 * DAY_MS) - 1 : exposedAt + Math.floor(r * 10 * DAY_MS),
  );
  const metric = [
    "pageviews",
    "session_s",
    "clicks",
    "revenue",
    "orders",
    "items",
    "converted",
    "clicks",
    "session_s",
  ][k - 1]!;
  const value =
    metric === "converted"
      ? ({ kind: "bool", value: r < 0.3 } as const)
      : metric === "revenue"
        ? ({ kind: "numeric", value: Math.round(Math.exp(2 + 1.5 * (r - 0.5) * 4) * 100) / 100 } as const)
        : metric === "session_s"
          ? ({ kind: "numeric", value: Math.round(r * 5_000) } as const)
          : ({ kind: "count", value: 1 + Math.floor(r * 4) } as const);
  return { type: "outcome", ...base, metric, value, timestamp };
}

/** Appends events `[from, to)` in batches straight to the store (no pipeline: this measures the store). */
export async function loadMetricsEvents(
  store: EventStore,
  experiment: string,
  units: number,
  from: number,
  to: number,
): Promise<number> {
  const started = performance.now();
  const batch = 20_000;
  for (let i = from; i < to; i += batch) {
    const events: StoredEvent[] = [];
    for (let j = i; j < Math.min(to, i + batch); j++) events.push(metricsEvent(experiment, units, j));
    await store.append(events);
  }
  return (performance.now() - started) / 1000;
}

/** Median wall time (ms) of `runs` summaries of `query`. */
export async function medianSummaryMs(store: EventStore, query: SummaryQuery, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await store.summarize(query);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Runs the benchmark on stores made by `open` (each call a fresh, empty store; `fold` brings its rollups
 * current and returns the events folded): loads `units` × 10 events into a store that already keeps the 10
 * metrics, times the catch-up fold per event, the summary of the 10 metrics, the summary after 1 % more events,
 * and a breakdown by country; then the same load into a store that keeps only the plain metrics, for the
 * catch-up fold the derived metrics add to.
 */
export async function runMetricsBench(
  open: () => Promise<{ store: EventStore; fold: () => Promise<number>; close: () => Promise<void> }>,
  units: number,
): Promise<void> {
  const events = units * METRICS_EVENTS_PER_UNIT;
  const millions = `${events / 1e6}M events, ${units / 1e6}M units`;
  for (const derived of [true, false]) {
    const { store, fold, close } = await open();
    const experiment = `metrics-${derived ? "derived" : "plain"}`;
    const query = derived ? metricsQuery(experiment) : { experiment };
    // asked for once on the empty store: the fold keeps the derived metrics and both dimensions' slices from
    // the first event on
    await store.summarize(query);
    if (derived) {
      await store.summarize({ ...query, breakdown: "country" });
      await store.summarize({ ...query, breakdown: "platform" });
    }
    const loadSeconds = await loadMetricsEvents(store, experiment, units, 0, events);
    const t = performance.now();
    const folded = await fold();
    const foldMs = performance.now() - t;
    const label = derived ? "10 metrics kept" : "plain metrics only";
    console.log(row(`load ${millions}, ${label} (events/s)`, events / loadSeconds));
    console.log(
      row(`  catch-up fold (µs per event, ${folded} events)`, (foldMs * 1000) / Math.max(1, folded)),
    );
    if (!derived) {
      console.log(row("  summary, plain metrics (ms, median of 5)", await medianSummaryMs(store, query)));
      await close();
      continue;
    }
    console.log(row("  summary of the 10 metrics (ms, median of 5)", await medianSummaryMs(store, query)));
    const more = Math.max(1, Math.floor(events / 100));
    await loadMetricsEvents(store, experiment, units, events, events + more);
    const a = performance.now();
    await store.summarize(query);
    console.log(row(`  after ${more} more events, folded first (ms)`, performance.now() - a));
    for (const dimension of ["country", "platform"]) {
      const cut = { ...query, breakdown: dimension };
      const slices = (await store.summarize(cut)).breakdown?.slices.length ?? 0;
      console.log(
        row(
          `  with a breakdown by ${dimension}, ${slices} slices (ms, median of 5)`,
          await medianSummaryMs(store, cut),
        ),
      );
    }
    // a window longer than any kept: built once from the raw events
    const fresh = { ...metricsQuery(experiment), windowed: [{ metric: "converted", windowMs: 10 * DAY_MS }] };
    const c = performance.now();
    await store.summarize(fresh);
    console.log(row("  first summary asking for a new 10d window (ms)", performance.now() - c));
    await close();
  }
}
