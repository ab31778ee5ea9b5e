export {
  BackendError,
  ExperimentError,
  type ExperimentErrorCode,
  type ExperimentErrorHttpStatus,
  ExperimentErrorStatus,
  ExperimentNotFoundError,
  InvalidContextError,
} from "./experiment-error.js";
export { unknownExperimentError } from "./unknown-experiment.js";
