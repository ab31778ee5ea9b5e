import type { OutcomeKind, OutcomeValue } from "../records/outcome-value.js";
import type { BreakdownSummary } from "./breakdown.js";
import type { DailyTruncation } from "./daily-bound.js";
import type { EventScanPage, EventScanQuery } from "./event-scan.js";
import type { QuantileRequest, QuantileSummary } from "./quantiles.js";

/** An exposure as stored: the record with its idempotency key made mandatory. */
export interface ExposureEvent {
  readonly type: "exposure";
  readonly eventId: string;
  readonly experiment: string;
  readonly variantId: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly timestamp: Date;
  /** The manifest content hash it was assigned under, when the recorder said (see ExposureRecord). */
  readonly manifestVersion?: string;
  /** The experiment's phase; absent is DEFAULT_PHASE (1). */
  readonly phase?: number;
  /** Where it was recorded; absent is DEFAULT_ENVIRONMENT ("default"). */
  readonly environment?: string;
  /** Its dimension values (see ExposureRecord.dimensions); absent when it carried none. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** An outcome as stored. */
export interface OutcomeEvent {
  readonly type: "outcome";
  readonly eventId: string;
  readonly experiment: string;
  readonly metric: string;
  readonly value: OutcomeValue;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly timestamp: Date;
  /** The phase it counts in; absent is DEFAULT_PHASE (1). */
  readonly phase?: number;
  /** Where it was recorded; absent is DEFAULT_ENVIRONMENT ("default"). */
  readonly environment?: string;
}

export type StoredEvent = ExposureEvent | OutcomeEvent;

/** How many events of a batch were new, and how many were repeats of stored event ids (ignored). */
export interface AppendResult {
  readonly inserted: number;
  readonly duplicates: number;
}

/** Which id identifies a unit in the analysis: the user id (falling back to the session id) or the session id. */
export type SummaryUnit = "user" | "session";

export interface SummaryQuery {
  readonly experiment: string;
  /**
   * The environment to summarize (events recorded elsewhere are left out). Default DEFAULT_ENVIRONMENT
   * ("default"): what an app records when it names no environment.
   */
  readonly environment?: string;
  /**
   * The phase to summarize: only its exposures, and outcomes recorded under it, count (phases are never
   * pooled). Default: the highest phase with an exposure in the environment (1 when there is none).
   */
  readonly phase?: number;
  /** Metrics to summarize; all metrics seen for the experiment when omitted. */
  readonly metrics?: readonly string[];
  /** Default "user": a unit is its userId, or its sessionId when anonymous. */
  readonly unit?: SummaryUnit;
  /** Also return the cumulative per-day series (`ExperimentSummary.daily`). Default false. */
  readonly daily?: boolean;
  /**
   * Ratio metrics to return the cross-products of (`ExperimentSummary.ratios`): per pair of metrics, the sum
   * over units of numerator × denominator, which a ratio's variance needs besides each metric's own sums.
   * With `metrics` set, list the pairs' metrics there too (a pair reads the per-unit values summarized).
   */
  readonly ratios?: ReadonlyArray<RatioPair>;
  /**
   * Capped metrics to return (`ExperimentSummary.capped`). With `metrics` set, list the capped metrics there
   * too (a cap reads the per-unit values summarized).
   */
  readonly capped?: ReadonlyArray<CapRequest>;
  /** Windowed metrics to return (`ExperimentSummary.windowed`). */
  readonly windowed?: ReadonlyArray<WindowRequest>;
  /** CUPED covariates to return (`ExperimentSummary.cuped`). */
  readonly cuped?: ReadonlyArray<CupedRequest>;
  /**
   * A dimension to cut the summary by (`ExperimentSummary.breakdown`): the name of one of the experiment's
   * declared dimensions, e.g. "country". Each unit is in the slice of the value its first exposure carried.
   * Totals only; computed from the per-unit rollups at summary time, so it costs O(units).
   */
  readonly breakdown?: string;
  /**
   * Quantiles of per-unit values to return (`ExperimentSummary.quantiles`), read from the per-unit values at
   * summary time. With `metrics` set, list their metrics there too.
   */
  readonly quantiles?: ReadonlyArray<QuantileRequest>;
}

/**
 * A capped (winsorized) metric: every unit's value above the cap counts as the cap. `value` caps at a fixed
 * value; `percentile` (strictly between 0 and 1) at that quantile of the per-unit values of all exposed units of
 * every variant pooled (units without an outcome count as 0), by nearest rank: the ⌈p·N⌉-th smallest.
 */
export type CapRequest =
  | { readonly metric: string; readonly value: number }
  | { readonly metric: string; readonly percentile: number };

/** A capped metric's statistics: the cap used, and per variant the statistics of the capped per-unit values. */
export interface CappedSummary {
  readonly metric: string;
  readonly cap: number;
  /** How the cap was set: the request's `value`, or its `percentile` of the pooled per-unit values. */
  readonly capping: { readonly value: number } | { readonly percentile: number };
  readonly variants: ReadonlyArray<{ readonly variantId: string } & MetricStats>;
}

/**
 * A windowed metric: per unit, only the outcomes within `windowMs` after its first exposure count (first ≤
 * timestamp < first + windowMs; the summary's own metrics count every outcome at or after it).
 */
export interface WindowRequest {
  readonly metric: string;
  readonly windowMs: number;
}

/** A windowed metric's statistics per variant, over its exposed units (a unit with no outcome in it counts 0). */
export interface WindowedSummary extends WindowRequest {
  readonly variants: ReadonlyArray<{ readonly variantId: string } & MetricStats>;
}

/**
 * CUPED's covariate for a metric: per unit, the same metric's outcomes in the `preWindowMs` before its first
 * exposure (first − preWindowMs ≤ time < first; bool: any, else the sum).
 */
export interface CupedRequest {
  readonly metric: string;
  readonly preWindowMs: number;
}

/**
 * A metric's CUPED covariate statistics per variant, over its exposed units: the sum and sum of squares of the
 * pre-period value X and the sum of X·Y with the metric's value Y (as `metrics` has it).
 */
export interface CupedSummary extends CupedRequest {
  readonly variants: ReadonlyArray<{
    readonly variantId: string;
    readonly sum: number;
    readonly sumSquares: number;
    readonly sumProducts: number;
  }>;
}

/** A ratio metric's numerator and denominator, two recorded metrics of one experiment. */
export interface RatioPair {
  readonly numerator: string;
  readonly denominator: string;
}

/**
 * The cross-products of one ratio metric: per variant, Σ over its exposed units of the unit's numerator value ×
 * its denominator value (the per-unit values of `metrics`; a unit without one counts 0).
 */
export interface RatioSummary extends RatioPair {
  readonly variants: ReadonlyArray<{ readonly variantId: string; readonly sumProducts: number }>;
}

/** Which slice of an experiment's events a summary covers (see ExperimentSummary.scope). */
export interface SummaryScope {
  readonly environment: string;
  readonly phase: number;
  /** Phases with at least one exposure in this environment, ascending. */
  readonly phases: readonly number[];
  /** Distinct manifest versions named by this phase's exposures, sorted (exposures without one add none). */
  readonly manifestVersions: readonly string[];
}

/** Sufficient statistics of one metric in one variant, over exposed units (a unit with no outcome counts as 0). */
export interface MetricStats {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
  /**
   * Σ(v − mean)² over the same units, computed by the store from centred sums. Prefer it to
   * `sumSquares − sum²/n`, which cancels catastrophically when the mean is large against the spread (sd 0.01
   * around 1e6 is 1e-16 of the mean's square, below double precision). The stores Assay ships always give it;
   * optional so that summaries built by hand or by older stores still type.
   */
  readonly sumSquaredDeviations?: number;
}

export interface VariantSummary {
  readonly variantId: string;
  /**
   * Units whose first exposure was to this variant (first by timestamp; equal timestamps are ordered by
   * eventId).
   */
  readonly exposedUnits: number;
  /** Raw exposure events (a unit exposed twice counts twice here). */
  readonly exposures: number;
}

export interface MetricSummary {
  readonly metric: string;
  readonly kind: OutcomeKind;
  readonly variants: ReadonlyArray<{ readonly variantId: string } & MetricStats>;
}

/**
 * The summary as it stood at the end of one UTC day: every unit first exposed before the day ended, each
 * with the outcomes it had by then. Same variants and metrics, in the same order, as the whole summary.
 */
export interface DailySummary {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly variants: readonly VariantSummary[];
  readonly metrics: ReadonlyArray<{
    readonly metric: string;
    readonly variants: ReadonlyArray<{ readonly variantId: string } & MetricStats>;
  }>;
}

export interface ExperimentSummary {
  readonly experiment: string;
  /**
   * The environment and phase summarized, and what else the store has of the experiment: every phase with
   * exposures in this environment (ascending), and the manifest versions this phase's exposures were assigned
   * under (a phase that ran under several had its weights, traffic or targeting changed without a new phase).
   * The stores Assay ships always set them; optional so that summaries built by hand still type.
   */
  readonly scope?: SummaryScope;
  readonly variants: readonly VariantSummary[];
  readonly metrics: readonly MetricSummary[];
  /** Units exposed to more than one variant; attributed to their first. A non-zero count is a data-quality warning. */
  readonly unitsInSeveralVariants: number;
  /** Outcomes of the experiment that no exposure at or before them explains (kept, excluded from the analysis). */
  readonly unattributedOutcomes: number;
  /**
   * With `query.ratios`: one entry per pair asked for, in that order, with every variant of `variants`. Totals
   * only (the daily series has none).
   */
  readonly ratios?: readonly RatioSummary[];
  /** With `query.capped`: one entry per request, in that order (totals only; the daily series has none). */
  readonly capped?: readonly CappedSummary[];
  /** With `query.windowed`: one entry per request, in that order (totals only; the daily series has none). */
  readonly windowed?: readonly WindowedSummary[];
  /** With `query.cuped`: one entry per request, in that order (totals only). */
  readonly cuped?: readonly CupedSummary[];
  /** With `query.breakdown`: the summary's variants and metrics per slice of that dimension (totals only). */
  readonly breakdown?: BreakdownSummary;
  /** With `query.quantiles`: one entry per request, in that order (totals only). */
  readonly quantiles?: readonly QuantileSummary[];
  /**
   * With `daily: true`: one point per UTC day from the day of the first exposure to the day of the last
   * counted event, cumulative (for plots of the effect over time and SRM over time).
   */
  readonly daily?: readonly DailySummary[];
  /**
   * Set when the daily series was cut at MAX_DAILY_POINTS (4,000 days) after its first day, because the
   * events span more: which day it shows through and how many days are left out. The totals above still count
   * every event.
   */
  readonly dailyTruncated?: DailyTruncation;
}

/**
 * Where exposures and outcomes land. `append` is idempotent on `eventId`: a repeated id is ignored, so a
 * retried batch never counts twice. `append` may be called again before an earlier call has resolved (the
 * pipeline keeps several commits in flight), with batches that share ids: each id is still stored once, and
 * neither call may fail because of the other. Summaries are computed by the store so analysis cost does not
 * grow with the number of raw events shipped to Node.
 */
export interface EventStore {
  readonly name: string;
  init?(): Promise<void>;
  append(batch: readonly StoredEvent[]): Promise<AppendResult>;
  /**
   * Optional: stores one event and resolves once it is as durable as an `append` would make it, without
   * per-call counts. A batching store can then hand many callers one shared promise (no allocation per
   * event); backends call it through `recordEvent`, which falls back to `append`.
   */
  record?(event: StoredEvent): Promise<void>;
  /**
   * Optional, with `appendPack`: a new, empty pack for up to `capacity` events in the store's own form. A
   * batching pipeline packs records as it accepts them instead of keeping the event objects until their
   * commit, so those die young and the garbage collector does not copy them while they wait.
   */
  createPack?(capacity: number): EventPack;
  /**
   * Stores the events of a pack made by this store's `createPack`, as `append` would. A failed commit is
   * retried with the same pack, so this must leave the pack as it found it.
   */
  appendPack?(pack: EventPack): Promise<AppendResult>;
  /**
   * Optional: how many commits a batching pipeline keeps in flight by default for this store, when its own
   * options do not say (the pipeline's default otherwise: 2).
   */
  readonly commitsInFlight?: number;
  summarize(query: SummaryQuery): Promise<ExperimentSummary>;
  /**
   * Optional: one page of an experiment's raw events in a stable order of the store's, resumable from the
   * page's cursor (exports to a warehouse). The order only grows at the end: an event committed after a page
   * was read comes after that page's cursor, so paging on never misses one (PostgreSQL holds back events of
   * transactions still open below the cursor for this).
   */
  scanEvents?(query: EventScanQuery): Promise<EventScanPage>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** Events packed in a store's own form as they are accepted (see `EventStore.createPack`). */
export interface EventPack {
  /** Adds one event, already validated. */
  add(event: StoredEvent): void;
  /** Events added so far. */
  readonly size: number;
}

/** Stores one event through `store.record` when the store has it, else `append`. */
export function recordEvent(store: EventStore, event: StoredEvent): Promise<void> {
  if (store.record !== undefined) return store.record(event);
  return store.append([event]).then(ignoreResult);
}

function ignoreResult(): void {}
