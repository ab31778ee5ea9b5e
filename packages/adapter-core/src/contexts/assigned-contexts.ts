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
 * tracked at all.
 *
 * Bounded: it holds at most `capacity` contexts, and always those of the last `capacity / 2` units assigned;
 * older ones are forgotten a generation at a time (their records then use the record's own attributes, or
 * none). Two generations instead of an exact LRU list because evicting one key at a time from a Map's front
 * walks over its deleted slots on every call: 6.8 µs per `remember` once full, against O(1) here.
 */
export class AssignedContexts {
  private current = new Map<string, ExperimentContext>();
  private previous = new Map<string, ExperimentContext>();
  private readonly generation: number;

  constructor(private readonly capacity: number = DEFAULT_CONTEXT_MEMORY) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`context memory must be a whole number >= 0, got ${capacity}`);
    }
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  /** Remembers the context of one assignment (the newest context of a unit wins). */
  remember(experiment: string, ctx: ExperimentContext): void {
    if (this.capacity === 0 || (ctx.userId === undefined && ctx.sessionId === undefined)) return;
    const key = keyOf(experiment, ctx.userId, ctx.sessionId);
    if (this.current.has(key)) {
      this.current.set(key, ctx);
      return;
    }
    this.previous.delete(key);
    if (this.current.size >= this.generation) {
      // with room for one context only, the older generation is not kept at all
      this.previous = this.capacity >= 2 ? this.current : new Map();
      this.current = new Map();
    }
    this.current.set(key, ctx);
  }

  /**
   * The attributes to evaluate a record with: its own, else those `assign` last saw for the same
   * experiment and unit, else none.
   */
  attributesFor(record: AttributedRecord): Readonly<Record<string, string>> {
    if (record.attributes !== undefined) return validateAttributes(record.attributes);
    const key = keyOf(record.experiment, record.userId, record.sessionId);
    const ctx = this.current.get(key) ?? this.previous.get(key);
    return ctx?.attributes ?? {};
  }

  /** How many contexts are held now (at most `capacity`). */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

// Ids never contain NUL (core's requireId refuses it), so the joined key is unambiguous.
function keyOf(experiment: string, userId: string | undefined, sessionId: string | undefined): string {
  return `${experiment}\u0000${userId ?? ""}\u0000${sessionId ?? ""}`;
}
