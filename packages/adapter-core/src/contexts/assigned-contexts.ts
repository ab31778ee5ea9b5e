import { type ExperimentContext, validateAttributes } from "@assay/core";

/**
 * A record (exposure or outcome) that may carry the attributes it was assigned with. `ExposureRecord` and
 * `OutcomeRecord` name only the unit, but the vendor's SDK needs the attributes to see the same experiment:
 * a caller recording in another process than the one that assigned can pass them here.
 */
export interface AttributedRecord {
  readonly experiment: string;
  readonly userId?: string;
  readonly sessionId?: string;
  /** The attributes `assign` was given; when absent, the ones remembered from `assign` are used. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** How many assign-time contexts an adapter keeps by default (least recently assigned dropped first). */
export const DEFAULT_CONTEXT_MEMORY = 10_000;

/**
 * The contexts `assign` last saw, per experiment and unit (user id and session id), so that the exposure and
 * outcome that follow reach the vendor's SDK with the same attributes. Without it the SDK re-evaluated a unit
 * from its id alone, and an experiment with an attribute condition, or hashed on another attribute, was not
 * tracked at all. Bounded: past `capacity` entries the least recently assigned unit is forgotten (its records
 * then use the record's own attributes, or none).
 */
export class AssignedContexts {
  private readonly entries = new Map<string, ExperimentContext>();

  constructor(private readonly capacity: number = DEFAULT_CONTEXT_MEMORY) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`context memory must be a whole number >= 0, got ${capacity}`);
    }
  }

  /** Remembers the context of one assignment (the newest context of a unit wins). */
  remember(experiment: string, ctx: ExperimentContext): void {
    if (this.capacity === 0 || (ctx.userId === undefined && ctx.sessionId === undefined)) return;
    const key = keyOf(experiment, ctx.userId, ctx.sessionId);
    // delete + set moves the key to the end of the insertion order: the Map is the LRU list
    this.entries.delete(key);
    this.entries.set(key, ctx);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * The attributes to evaluate a record with: its own, else those `assign` last saw for the same
   * experiment and unit, else none.
   */
  attributesFor(record: AttributedRecord): Readonly<Record<string, string>> {
    if (record.attributes !== undefined) return validateAttributes(record.attributes);
    const ctx = this.entries.get(keyOf(record.experiment, record.userId, record.sessionId));
    return ctx?.attributes ?? {};
  }

  get size(): number {
    return this.entries.size;
  }
}

// Ids never contain NUL (core's requireId refuses it), so the joined key is unambiguous.
function keyOf(experiment: string, userId: string | undefined, sessionId: string | undefined): string {
  return `${experiment}\u0000${userId ?? ""}\u0000${sessionId ?? ""}`;
}
