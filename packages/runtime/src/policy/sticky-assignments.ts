import {
  DEFAULT_ENVIRONMENT,
  requireId,
  type StickyAssignment,
  type StickyAssignmentStore,
} from "@assay/core";

export interface StickyOptions {
  /**
   * How often the sticky map is reloaded from the store, for assignments other instances made (ms). Default
   * 30,000; 0 turns refreshing off (one instance).
   */
  readonly refreshMs?: number;
  /**
   * How far back each refresh reads before the newest assignment it has seen (ms), so rows committed late by
   * another instance (PostgreSQL orders commits, not timestamps) are still picked up. Default 60,000.
   */
  readonly overlapMs?: number;
}

type Row = Omit<StickyAssignment, "assignedAt">;

/**
 * The sticky map: per sticky experiment, unit id -> variant id of its stored first assignment, for the
 * experiment's current version. `assign` stays synchronous because the map is in memory:
 *
 * - loaded whole from the store at startup (`createAssay` awaits `load`);
 * - written through: a unit's first enrolled assignment goes into the map at once and to the store in the
 *   background (batched per tick, first writer wins there); `flush` and `close` wait for the writes;
 * - refreshed every `refreshMs` with the rows stored since the last refresh (minus `overlapMs`), so units
 *   first assigned on another instance get the same variant here. A row from the store replaces what this
 *   instance remembered: when two instances raced on a unit, the store's first writer wins everywhere.
 *
 * A unit id that no store can keep as given (see @assay/core's requireId: longer than MAX_ID_LENGTH, a NUL,
 * an unpaired surrogate) sticks on this instance only and goes to `onError`: written with the others, it would
 * fail the whole batch on PostgreSQL and lose their first assignments.
 */
export class StickyAssignments {
  private readonly maps = new Map<string, Map<string, string>>();
  private readonly versions = new Map<string, number>();
  private pending: Row[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private newest = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly refreshMs: number;
  private readonly overlapMs: number;

  constructor(
    private readonly store: StickyAssignmentStore,
    experiments: ReadonlyArray<{ readonly experiment: string; readonly version: number }>,
    private readonly onError: (error: unknown, experiment: string) => void,
    options: StickyOptions = {},
    /** The environment whose first assignments these are (kept apart from other environments'). */
    private readonly environment: string = DEFAULT_ENVIRONMENT,
  ) {
    for (const { experiment, version } of experiments) {
      this.maps.set(experiment, new Map());
      this.versions.set(experiment, version);
    }
    this.refreshMs = options.refreshMs ?? 30_000;
    this.overlapMs = options.overlapMs ?? 60_000;
  }

  /** The unit -> variant id map of one sticky experiment (shared, kept current in place). */
  mapOf(experiment: string): Map<string, string> {
    let map = this.maps.get(experiment);
    if (map === undefined) {
      map = new Map();
      this.maps.set(experiment, map);
    }
    return map;
  }

  /** Loads every stored assignment of the current versions, then starts the periodic refresh. */
  async load(): Promise<void> {
    await this.read(undefined);
    if (this.refreshMs > 0 && this.timer === undefined) {
      this.timer = setInterval(() => {
        this.refresh().catch((error) => this.onError(error, "(sticky refresh)"));
      }, this.refreshMs);
      this.timer.unref?.();
    }
  }

  /** Reads the rows stored since the newest one seen (minus the overlap) into the maps. */
  async refresh(): Promise<void> {
    const since = Number.isFinite(this.newest) ? new Date(this.newest - this.overlapMs) : undefined;
    await this.read(since);
  }

  private async read(since: Date | undefined): Promise<void> {
    const experiments = [...this.versions].map(([experiment, version]) => ({ experiment, version }));
    if (experiments.length === 0) return;
    const environment = this.environment;
    const rows = await this.store.loadStickyAssignments(
      since === undefined ? { experiments, environment } : { experiments, since, environment },
    );
    for (const row of rows) {
      if (this.versions.get(row.experiment) !== row.version) continue;
      this.mapOf(row.experiment).set(row.unit, row.variantId);
      const at = row.assignedAt.getTime();
      if (at > this.newest) this.newest = at;
    }
  }

  /** Records a unit's first enrolled assignment: in the map now, in the store on the next tick. */
  remember(experiment: string, unit: string, variantId: string): void {
    this.mapOf(experiment).set(unit, variantId);
    try {
      requireId(unit, `the unit of sticky experiment ${experiment}`);
    } catch (error) {
      this.onError(error, experiment);
      return;
    }
    this.pending.push({
      experiment,
      version: this.versions.get(experiment) ?? 1,
      unit,
      variantId,
      environment: this.environment,
    });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.write();
      });
    }
  }

  private write(): Promise<void> {
    if (this.pending.length === 0) return this.writing;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() =>
      this.store.saveStickyAssignments(batch).catch((error) => this.onError(error, batch[0]!.experiment)),
    );
    return this.writing;
  }

  /** Waits until every assignment remembered so far is stored. */
  async flush(): Promise<void> {
    await this.write();
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
