import { DEFAULT_ENVIRONMENT } from "../records/segment.js";

/** One stored first assignment: the variant a unit got the first time it was enrolled in a version of an experiment. */
export interface StickyAssignment {
  readonly experiment: string;
  readonly version: number;
  /** The experiment's unit id (user id, session id or the attribute's value). */
  readonly unit: string;
  readonly variantId: string;
  /** When the store accepted it (the store's clock); what `since` filters on. */
  readonly assignedAt: Date;
  /**
   * The environment it was made in; absent is DEFAULT_ENVIRONMENT. Environments sharing a store keep their
   * own first assignments (a staging unit never pins a production one).
   */
  readonly environment?: string;
}

export interface StickyQuery {
  /** Experiments and the version whose assignments to load. */
  readonly experiments: ReadonlyArray<{ readonly experiment: string; readonly version: number }>;
  /** Only assignments accepted at or after this time (refreshes); all when absent. */
  readonly since?: Date;
  /** The environment whose assignments to load; default DEFAULT_ENVIRONMENT. */
  readonly environment?: string;
}

/**
 * The optional sticky-assignment capability of an event store: first assignments kept in the same database
 * as the events. `save` is first-writer-wins per (experiment, environment, version, unit): a row already stored is kept,
 * so two instances racing on one unit agree on the stored one after their next load.
 */
export interface StickyAssignmentStore {
  loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]>;
  saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void>;
}

/** Whether `store` offers sticky assignments. */
export function hasStickyAssignments(store: unknown): store is StickyAssignmentStore {
  const candidate = store as Partial<StickyAssignmentStore> | null | undefined;
  return (
    typeof candidate?.loadStickyAssignments === "function" &&
    typeof candidate.saveStickyAssignments === "function"
  );
}

/** Sticky assignments in memory (first writer wins): for tests and stores without a database. */
export class MemoryStickyStore implements StickyAssignmentStore {
  private readonly rows = new Map<string, StickyAssignment>();

  async loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]> {
    const wanted = new Set(query.experiments.map((e) => `${e.experiment}\u0000${e.version}`));
    const since = query.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const environment = query.environment ?? DEFAULT_ENVIRONMENT;
    return [...this.rows.values()].filter(
      (r) =>
        wanted.has(`${r.experiment}\u0000${r.version}`) &&
        (r.environment ?? DEFAULT_ENVIRONMENT) === environment &&
        r.assignedAt.getTime() >= since,
    );
  }

  async saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void> {
    const now = new Date();
    for (const row of rows) {
      const environment = row.environment ?? DEFAULT_ENVIRONMENT;
      const key = `${row.experiment}\u0000${environment}\u0000${row.version}\u0000${row.unit}`;
      if (!this.rows.has(key)) this.rows.set(key, { ...row, environment, assignedAt: now });
    }
  }
}
