export type { BreakdownReport, SliceMetricResult, SliceReport } from "./breakdown.js";
export { evaluate } from "./evaluate.js";
export type {
  Direction,
  ExperimentPlan,
  MetricRole,
  PlanMetric,
  ResolvedPlan,
  ResolvedPlanMetric,
} from "./plan.js";
export { resolvePlan } from "./plan.js";
export type * from "./report.js";
export { MIN_UNITS_PER_ARM } from "./report.js";
export type { SummaryInput } from "./summary.js";
export { checkSummary } from "./summary.js";
