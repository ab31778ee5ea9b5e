export { BatchingEventStore, type BatchingOptions, type RetryOptions } from "./batching-store.js";
export { validateStoredEvent } from "./validate.js";
