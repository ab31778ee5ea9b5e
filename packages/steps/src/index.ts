export { validateScore } from "./engine/recorder.js";
export type {
  ExperimentOptions,
  ExperimentOutcome,
  ExperimentRef,
  GroupExperiment,
  ScoreValue,
  StepExperimentsOptions,
  StepGroup,
  VariantCallback,
  VariantContext,
  VariantMap,
  VariantResult,
} from "./engine/types.js";
export { score } from "./engine/variant-scope.js";
export { StepExperimentError } from "./errors.js";
export { inngestBucket, inngestBucketPoint } from "./hash/inngest-bucket.js";
export { MemoryMemoStore, type MemoStore } from "./memo/memo-store.js";
export { MissingPeerDependencyError } from "./memo/optional-peer.js";
export {
  createStepExperiments,
  type RunContext,
  StepExperiments,
  type StepTools,
} from "./step-experiments.js";
export {
  type AssayClientLike,
  type Attribution,
  type BucketHash,
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
