import { nativeKey } from "@assay/hashing";

export { type ExperimentDefinition, MemoryEventStore } from "@assay/core";
/** Pins the key layout the hand-written check above relies on. */
export const nativeKeyForTest = nativeKey("exp", "u", "s");
