export {
  BatchingEventStore,
  type BatchingOptions,
  type PipelineStats,
  type RetryOptions,
} from "./batching-store.js";
export { QueueFullError } from "./queue-full-error.js";
export { validateStoredEvent } from "./validate.js";
