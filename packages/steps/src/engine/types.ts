import type { EventStore, ExperimentContext } from "@assay/core";
import type { MemoStore } from "../memo/memo-store.js";
import type { AssayClientLike, SelectionStrategy } from "../strategies.js";

/** A score value: a finite number or a boolean (true counts as 1 in means). */
export type ScoreValue = number | boolean;

/** Where step experiments record, and (for plain Node workers) where they memoize. */
export interface StepExperimentsOptions {
  /**
   * An Assay client (`createAssay`): exposures and scores land in its event store, and
   * `experiment.bucket(key, { manifest })` delegates to the experiments of its `assay.toml`.
   */
  readonly assay?: AssayClientLike;
  /** An event store to record into when there is no Assay client. */
  readonly store?: EventStore;
  /** Selections and step outputs of plain Node runs (`run`); not used by the Inngest adapter. */
  readonly memo?: MemoStore;
  /** The clock of exposures and scores. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * A replay-stable, JSON-serializable handle on one run's participation in one experiment: pass it (in an
 * event, a queue message, a database row) to whatever learns the outcome later, and record it with
 * `steps.score(ref, name, value)`.
 */
export interface ExperimentRef {
  /** The experiment the events are recorded under (the manifest experiment when delegated). */
  readonly experiment: string;
  /**
   * The id given to `group.experiment` (Inngest's experiment name). It differs from `experiment` only when
   * a bucket delegates to a manifest experiment of another id; absent in refs made before it was added.
   */
  readonly stepExperiment?: string;
  readonly variant: string;
  readonly runId: string;
  readonly via: "assay" | "store";
  readonly unit: ExperimentContext;
}

/** What a variant callback receives. */
export interface VariantContext {
  readonly experiment: string;
  readonly variant: string;
  readonly runId: string;
  readonly ref: ExperimentRef;
  /**
   * Records an outcome of this run attributed to this variant; once per name per run (replays dedupe). On
   * Inngest it is a durable step that also writes the score through the SDK's score API.
   */
  score(name: string, value: ScoreValue): Promise<void>;
}

export type VariantCallback = (ctx: VariantContext) => unknown;
export type VariantMap = Record<string, VariantCallback>;
export type VariantResult<V extends VariantMap> = Awaited<ReturnType<V[keyof V]>>;

export interface ExperimentOptions<V extends VariantMap> {
  /** One callback per variant; only the selected one runs, and it must perform at least one durable step. */
  readonly variants: V;
  /** A strategy from `experiment.weighted / bucket / custom / fixed`. */
  readonly select: SelectionStrategy;
  /** Return `{ result, variant, ref }` instead of the bare result. */
  readonly withVariant?: boolean;
}

export interface ExperimentOutcome<V extends VariantMap> {
  readonly result: VariantResult<V>;
  readonly variant: keyof V & string;
  readonly ref: ExperimentRef;
}

/** `group.experiment` on both adapters. */
export interface GroupExperiment {
  <V extends VariantMap>(
    id: string,
    options: ExperimentOptions<V> & { readonly withVariant: true },
  ): Promise<ExperimentOutcome<V>>;
  <V extends VariantMap>(
    id: string,
    options: ExperimentOptions<V> & { readonly withVariant?: false },
  ): Promise<VariantResult<V>>;
}

export interface StepGroup {
  readonly experiment: GroupExperiment;
}

/** A run's memoized selection, and the run id seen when its exposure was recorded. */
export interface MemoizedSelection {
  readonly variant: string;
  readonly runId: string;
}

/** The step id under which the exposure of experiment `id` is recorded once per run, after its selection. */
export function exposureStepId(experiment: string): string {
  return `experiment:${experiment}:exposure`;
}
