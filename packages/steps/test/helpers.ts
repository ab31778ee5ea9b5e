import { MemoryEventStore, type StoredEvent } from "@assay/core";
import { createStepExperiments, MemoryMemoStore, type StepExperimentsOptions } from "../src/index.js";

/** A plain Node configuration over in-memory stores, with the stores at hand for assertions. */
export function memorySetup(options: Partial<StepExperimentsOptions> = {}) {
  const store = new MemoryEventStore();
  const memo = new MemoryMemoStore();
  const steps = createStepExperiments({ store, memo, ...options });
  return { store, memo, steps };
}

export function exposures(events: readonly StoredEvent[], experiment?: string) {
  return events.filter(
    (e): e is Extract<StoredEvent, { type: "exposure" }> =>
      e.type === "exposure" && (experiment === undefined || e.experiment === experiment),
  );
}

export function outcomes(events: readonly StoredEvent[], experiment?: string) {
  return events.filter(
    (e): e is Extract<StoredEvent, { type: "outcome" }> =>
      e.type === "outcome" && (experiment === undefined || e.experiment === experiment),
  );
}
