export {
  type ExperimentOptions,
  type ExperimentOutcome,
  type ExperimentRef,
  type GroupExperiment,
  type ScoreValue,
  type StepExperimentsOptions,
  type StepGroup,
  score,
  type VariantCallback,
  type VariantContext,
  type VariantMap,
  type VariantResult,
  validateScore,
} from "./engine.js";
export { StepExperimentError } from "./errors.js";
export { MemoryMemoStore, type MemoStore } from "./memo/memo-store.js";
export {
  createStepExperiments,
  type RunContext,
  StepExperiments,
  type StepTools,
} from "./step-experiments.js";
export {
  type AssayClientLike,
  type Attribution,
  type BucketKey,
  type BucketOptions,
  type CustomSelector,
  experiment,
  isSelectionStrategy,
  type Selection,
  type SelectionInput,
  type SelectionStrategy,
  type StrategyKind,
} from "./strategies.js";
