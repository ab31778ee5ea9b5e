import type { StoredEvent } from "@assay/core";

/**
 * A batch of events packed for the writer thread: the strings of all events in one string, their lengths in
 * one typed array, the numbers in another. Sending it costs a copy of one string and two transferred buffers,
 * about 0.3 µs per event in all; cloning the event objects themselves cost about 2.5 µs (measured on the
 * project VM, 5,000-event batches), more than SQLite spends inserting them.
 */
export interface EventColumns {
  readonly count: number;
  /** eventId, experiment, variantId or metric, userId, sessionId of every event, concatenated. */
  readonly text: string;
  /** The length of each of those five strings per event; NONE where the field is absent. */
  readonly lengths: Uint32Array;
  /** Per event: type and kind (see TYPE_*), the value (bool as 0/1), the timestamp in Unix ms. */
  readonly numbers: Float64Array;
}

export const STRINGS_PER_EVENT = 5;
export const NUMBERS_PER_EVENT = 3;
export const NONE = 0xffff_ffff;

/** The type column of the events table is 0 for an exposure, 1 for an outcome; the kind is kept apart. */
export const TYPE_EXPOSURE = 0;
export const TYPE_BOOL = 1;
export const TYPE_NUMERIC = 2;
export const TYPE_COUNT = 3;

export function toColumns(batch: readonly StoredEvent[]): EventColumns {
  const count = batch.length;
  const parts: string[] = new Array(count * STRINGS_PER_EVENT);
  const lengths = new Uint32Array(count * STRINGS_PER_EVENT);
  const numbers = new Float64Array(count * NUMBERS_PER_EVENT);
  for (let i = 0; i < count; i++) {
    const e = batch[i]!;
    const s = i * STRINGS_PER_EVENT;
    const n = i * NUMBERS_PER_EVENT;
    put(parts, lengths, s, e.eventId);
    put(parts, lengths, s + 1, e.experiment);
    if (e.type === "exposure") {
      put(parts, lengths, s + 2, e.variantId);
      numbers[n] = TYPE_EXPOSURE;
      numbers[n + 1] = 0;
    } else {
      put(parts, lengths, s + 2, e.metric);
      const v = e.value;
      numbers[n] = v.kind === "bool" ? TYPE_BOOL : v.kind === "numeric" ? TYPE_NUMERIC : TYPE_COUNT;
      numbers[n + 1] = v.kind === "bool" ? (v.value ? 1 : 0) : v.value;
    }
    put(parts, lengths, s + 3, e.userId);
    put(parts, lengths, s + 4, e.sessionId);
    numbers[n + 2] = e.timestamp.getTime();
  }
  return { count, text: parts.join(""), lengths, numbers };
}

function put(parts: string[], lengths: Uint32Array, at: number, value: string | undefined): void {
  if (value === undefined) {
    parts[at] = "";
    lengths[at] = NONE;
  } else {
    parts[at] = value;
    lengths[at] = value.length;
  }
}
