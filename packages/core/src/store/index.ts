export {
  type BreakdownRows,
  type BreakdownSlice,
  type BreakdownSummary,
  breakdownSummary,
  requireBreakdownDimension,
} from "./breakdown.js";
export { cappedSummary, nearestRank } from "./capping.js";
export { type CentredSums, CompensatedSum, statsFromCentred, statsOfValues } from "./centred-moments.js";
export { cupedSummary } from "./cuped.js";
export { type DailyTruncation, MAX_DAILY_POINTS } from "./daily-bound.js";
export { cupedPairKey, preKey, ratioPairKey, windowKey } from "./derived-keys.js";
export type { EventScanPage, EventScanQuery } from "./event-scan.js";
export type {
  AppendResult,
  CappedSummary,
  CapRequest,
  CupedRequest,
  CupedSummary,
  DailySummary,
  EventPack,
  EventStore,
  ExperimentSummary,
  ExposureEvent,
  MetricStats,
  MetricSummary,
  OutcomeEvent,
  RatioPair,
  RatioSummary,
  StoredEvent,
  SummaryQuery,
  SummaryScope,
  SummaryUnit,
  VariantSummary,
  WindowedSummary,
  WindowRequest,
} from "./event-store.js";
export { recordEvent } from "./event-store.js";
export { exposureEvent, outcomeEvent } from "./events.js";
export { JsonLinesEventStore } from "./jsonl-store.js";
export { MemoryEventStore } from "./memory-store.js";
export { type OrderStatisticRanks, orderStatisticRanks } from "./order-statistic-ranks.js";
export {
  DEFAULT_QUANTILE_CONFIDENCE,
  type QuantileRequest,
  type QuantileSummary,
  type QuantileVariant,
  quantileSummary,
} from "./quantiles.js";
export {
  environmentOf,
  phaseOf,
  resolveScope,
  SCOPE_SEPARATOR,
  scopeKey,
  summaryScope,
} from "./scope.js";
export {
  hasStickyAssignments,
  MemoryStickyStore,
  type StickyAssignment,
  type StickyAssignmentStore,
  type StickyQuery,
} from "./sticky-store.js";
export { summarizeEvents } from "./summarize.js";
export {
  type CentredMetricRow,
  type PlainMetricRow,
  type SummaryRows,
  summaryFromRows,
} from "./summary-rows.js";
export { uuidv7, uuidv7Time } from "./uuidv7.js";
export { windowedSummary } from "./windowing.js";
