import type { EventStore, ExperimentDefinition, ExperimentSummary } from "@assay/core";
import type { ArmReport, BreakdownReport, MetricResult } from "@assay/stats";

/**
 * One metric row as the dashboard reads it: `evaluate`'s result, or the exploratory one of an experiment
 * without a plan (no role, no direction, verdict "higher" / "lower" instead of "win" / "loss").
 */
export type DashboardMetric = Omit<MetricResult, "role" | "direction" | "verdict"> & {
  readonly role?: MetricResult["role"];
  readonly direction?: MetricResult["direction"];
  readonly verdict: string;
};

/**
 * The report the dashboard shows: structurally the report of `assay results --json` (the CLI's
 * `reportOf`: `evaluate`'s `ExperimentReport`, or its exploratory twin with `exploratory: true` and
 * `decision: "none"`). The server never builds it: the source does, so page and JSON twin show the very
 * object the CLI prints.
 */
export interface DashboardReport {
  readonly experiment: string;
  readonly control: string;
  readonly method: "fixed" | "sequential";
  readonly sequentialTuning?: number;
  readonly alpha: number;
  readonly correction: string;
  readonly guardrailAlpha?: number;
  readonly arms: readonly ArmReport[];
  readonly srm: { readonly pValue: number; readonly mismatch: boolean; readonly threshold: number };
  readonly sample: { readonly minimumPerArm?: number; readonly reached: boolean };
  readonly treatments: ReadonlyArray<{
    readonly variant: string;
    readonly decision?: string;
    readonly reasons?: readonly string[];
    readonly metrics: readonly DashboardMetric[];
  }>;
  readonly decision: string;
  readonly winner?: string;
  readonly cannotTellApart?: readonly string[];
  readonly reasons: readonly string[];
  readonly warnings: readonly string[];
  readonly exploratory?: true;
  /** With a summary cut by a dimension: the slices as `evaluate` reports them (`?by=` on the page). */
  readonly breakdown?: BreakdownReport;
  /** The environment and phase the report covers, and the phases with data (the summary's scope). */
  readonly scope?: {
    readonly environment: string;
    readonly phase: number;
    readonly phases: readonly number[];
    readonly manifestVersions: readonly string[];
  };
}

/**
 * Where the dashboard reads from: the manifest's experiments, the event store's summaries, and the
 * function that turns a summary into the report (the CLI passes its `reportOf`, so the dashboard and
 * `assay results --json` can never disagree).
 */
export interface DashboardSource {
  /** The event store's name, shown in the footer ("events from the sqlite store"). */
  readonly storeName: string;
  experiments(): readonly ExperimentDefinition[];
  /** The store's summary: with the daily series for the pages, or cut by a dimension (`?by=`) without it. */
  summarize(
    experiment: string,
    options: { readonly daily: true } | { readonly breakdown: string },
  ): Promise<ExperimentSummary>;
  report(definition: ExperimentDefinition, summary: ExperimentSummary): DashboardReport;
  /**
   * The event store the HTTP API ingests into and exports from: the runtime's store behind its pipeline, so
   * an ingest is answered once its records are durable. Without it the event routes answer 503.
   */
  readonly events?: EventStore;
  /**
   * The environment ingested records are stored under when they name none (the runtime's
   * `assay.environment`); default "default".
   */
  readonly environment?: string;
  /** The pipeline's counters (queue depth, failures, refusals) for `/metrics`; undefined without a pipeline. */
  pipelineStats?(): PipelineCounters | undefined;
  /**
   * The manifest serving and the last one refused (the runtime's `assay.manifestStatus()`), shown by
   * `/readyz`; undefined when the server does not reload its manifest.
   */
  manifestStatus?(): ManifestStatusView | undefined;
  /** Releases the store when the server closes (the runtime's close drains the pipeline first). */
  close?(): Promise<void>;
}

/** What `/readyz` shows of the manifest (structurally `@assay/runtime`'s `ManifestStatus`). */
export interface ManifestStatusView {
  readonly source: string;
  readonly manifestVersion: string;
  readonly loadedAt: Date;
  readonly watching: boolean;
  readonly rejected?: {
    readonly manifestVersion?: string;
    readonly at: Date;
    readonly errors: readonly string[];
  };
}

/** What `/metrics` reads of the event pipeline (structurally `@assay/pipeline`'s `PipelineStats`). */
export interface PipelineCounters {
  readonly accepted: number;
  readonly committed: number;
  readonly failed: number;
  readonly refused: number;
  /** Events accepted and not yet committed: the queue depth. */
  readonly pending: number;
}

/** Opens the source once, at the first request; a failure is shown as a 503 page and retried later. */
export type OpenSource = () => Promise<DashboardSource>;
