export type {
  AppendResult,
  EventStore,
  ExperimentSummary,
  ExposureEvent,
  MetricStats,
  MetricSummary,
  OutcomeEvent,
  StoredEvent,
  SummaryQuery,
  SummaryUnit,
  VariantSummary,
} from "./event-store.js";
export { exposureEvent, outcomeEvent } from "./events.js";
export { JsonLinesEventStore } from "./jsonl-store.js";
export { MemoryEventStore } from "./memory-store.js";
export { summarizeEvents } from "./summarize.js";
