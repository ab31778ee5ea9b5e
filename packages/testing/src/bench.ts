import type { EventStore, StoredEvent } from "@assay/core";
import { recordEvent, uuidv7 } from "@assay/core";

/**
 * Workloads shared by the event-store benchmarks (`pnpm bench` in each store package), so every store is
 * measured the same way. Imported from `@assay/testing/bench`, apart from the vitest suites.
 */

const DAY_MS = 86_400_000;

/** A synthetic experiment: `units` units, each exposed once then doing `perUnit - 1` outcomes over 14 days. */
export interface Workload {
  readonly experiment: string;
  readonly units: number;
  readonly perUnit: number;
}

/** Event `i` of the workload (0 <= i < units * perUnit), with a fresh UUIDv7 id. */
export function workloadEvent(w: Workload, i: number, start = Date.UTC(2026, 10, 1)): StoredEvent {
  const unit = i % w.units;
  const k = Math.floor(i / w.units);
  const exposedAt = start + Math.floor((unit / w.units) * 14 * DAY_MS);
  const userId = `user-${unit}`;
  if (k === 0) {
    return {
      type: "exposure",
      eventId: uuidv7(),
      experiment: w.experiment,
      variantId: unit % 2 === 0 ? "control" : "treatment",
      userId,
      timestamp: new Date(exposedAt),
    };
  }
  const timestamp = new Date(exposedAt + k * 60_000);
  return k % 2 === 1
    ? {
        type: "outcome",
        eventId: uuidv7(),
        experiment: w.experiment,
        metric: "purchase",
        value: { kind: "bool", value: (unit * 7 + k) % 10 < 3 },
        userId,
        timestamp,
      }
    : {
        type: "outcome",
        eventId: uuidv7(),
        experiment: w.experiment,
        metric: "revenue",
        value: { kind: "numeric", value: ((unit * 13 + k) % 100) / 4 },
        userId,
        timestamp,
      };
}

export interface IngestResult {
  readonly sent: number;
  readonly unique: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Latency of one awaited append, milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Sends the workload's events through `store` (the pipeline in front of a real store) one record per event,
 * as many request handlers would, by the path `recordExposure`/`recordOutcome` take (`recordEvent`: the
 * store's `record`, else a one-event `append`), with up to `window` events outstanding (then it waits for the oldest half to
 * commit). `duplicateRate` of the appends resend an earlier event (same id). Commits resolve in order, so the
 * harness awaits one promise in 256 plus the sampled ones (one in 16, for the latency from the call to its
 * resolution) and keeps its own cost per event small. Counts are checked by the caller against the store.
 */
export async function ingest(
  store: EventStore,
  w: Workload,
  options: { window: number; duplicateRate: number; from?: number; to?: number },
): Promise<IngestResult> {
  const from = options.from ?? 0;
  const to = options.to ?? w.units * w.perUnit;
  const recent: StoredEvent[] = [];
  let sent = 0;
  const latencies: number[] = [];
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  // the last promise of every 256 appends, with how many appends had been sent then
  const marks: Array<{ sent: number; done: Promise<unknown> }> = [];
  let settledMark = 0;
  let settledSent = 0;
  const started = performance.now();
  for (let next = from; next < to; ) {
    let event: StoredEvent;
    if (recent.length > 0 && random() < options.duplicateRate) {
      event = recent[Math.floor(random() * recent.length)]!;
    } else {
      event = workloadEvent(w, next++);
      if (recent.length < 4096) recent.push(event);
      else recent[Math.floor(random() * 4096)] = event;
    }
    sent++;
    let promise: Promise<unknown>;
    if ((sent & 15) === 0) {
      const t0 = performance.now();
      promise = recordEvent(store, event).then(() => latencies.push(performance.now() - t0));
    } else promise = recordEvent(store, event);
    if ((sent & 255) === 0 || options.window < 256) marks.push({ sent, done: promise });
    if (sent - settledSent >= options.window) {
      // wait until at most half the window is outstanding
      while (settledMark < marks.length && sent - settledSent >= options.window / 2) {
        const mark = marks[settledMark++]!;
        await mark.done;
        settledSent = mark.sent;
      }
    }
  }
  await Promise.all(marks.slice(settledMark).map((m) => m.done));
  await store.flush?.();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    sent,
    unique: to - from,
    seconds,
    eventsPerSecond: sent / seconds,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

/** Median wall time (ms) of `runs` calls of `summarize` for the workload's experiment. */
export async function timeSummary(
  store: EventStore,
  experiment: string,
  runs = 3,
): Promise<{ medianMs: number; units: number }> {
  const times: number[] = [];
  let units = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const summary = await store.summarize({ experiment });
    times.push(performance.now() - started);
    units = summary.variants.reduce((n, v) => n + v.exposedUnits, 0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, units };
}

/**
 * Ingests events `[from, to)` of the workload (no duplicates), brings the rollups current with `fold` (which
 * returns how many events it folded), then prints the summary's median latency, the fold's cost and the
 * latency with the daily series. The summary curves of every store benchmark go through here.
 */
export async function printSummaryAfterIngest(
  store: EventStore,
  fold: () => Promise<number>,
  w: Workload,
  range: { from?: number; to?: number } = {},
): Promise<void> {
  const from = range.from ?? 0;
  const to = range.to ?? w.units * w.perUnit;
  await ingest(store, w, { window: 50_000, duplicateRate: 0, from, to });
  const t = performance.now();
  const folded = await fold();
  const foldMs = performance.now() - t;
  const s = await timeSummary(store, w.experiment);
  console.log(row(`summary at ${to / 1e6}M events, ${s.units} units (ms)`, s.medianMs));
  console.log(row(`  folding ${folded} new events first (ms)`, foldMs));
  const d = performance.now();
  await store.summarize({ experiment: w.experiment, daily: true });
  console.log(row("  with the daily series (ms)", performance.now() - d));
}

/** One ingest setting of a store benchmark: `run(round)` ingests into a fresh store and says what it measured. */
export interface IngestSetting {
  readonly label: string;
  run(round: number): Promise<IngestResult & { readonly exact: boolean }>;
}

/**
 * Runs every setting `rounds` times, interleaved (A B C, A B C, ...) so a drift of the machine spreads over all
 * of them, then prints per setting the median throughput, every run, whether every run stored exactly the
 * unique events, and the latency of the median run. Ingest throughput on the project VM drifts by up to 30%
 * between identical runs, so one run says little.
 */
export async function printIngestRounds(settings: readonly IngestSetting[], rounds: number): Promise<void> {
  const results = settings.map(() => [] as Array<IngestResult & { readonly exact: boolean }>);
  for (let round = 0; round < rounds; round++) {
    for (const [i, setting] of settings.entries()) results[i]!.push(await setting.run(round));
  }
  for (const [i, setting] of settings.entries()) {
    const runs = [...results[i]!].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
    const median = runs[Math.floor((runs.length - 1) / 2)]!;
    console.log(row(`ingest 1M, ${setting.label} (events/s, median of ${rounds})`, median.eventsPerSecond));
    console.log(row("  every run, in order", results[i]!.map((r) => format(r.eventsPerSecond)).join(" ")));
    console.log(row("  sent (10% repeats) / unique", `${median.sent}/${median.unique}`));
    console.log(row("  rows stored == unique events, every run", String(runs.every((r) => r.exact))));
    console.log(
      row(
        "  record p50 / p99 ms (16k outstanding)",
        `${median.p50Ms.toFixed(2)} / ${median.p99Ms.toFixed(2)}`,
      ),
    );
  }
}

/** A fixed-width line for the benchmark report. */
export function row(...cells: Array<string | number>): string {
  return cells
    .map((c, i) => {
      const text = typeof c === "number" ? format(c) : c;
      return i === 0 ? text.padEnd(44) : text.padStart(14);
    })
    .join("");
}

function format(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n >= 10 ? 1 : 3);
}

export * from "./metrics-bench.js";
