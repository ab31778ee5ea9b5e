import { describe } from "../context/experiment-context.js";
import { type ExperimentError, ExperimentNotFoundError, InvalidContextError } from "./experiment-error.js";

/**
 * The error for an experiment id that no backend serves: INVALID_CONTEXT when the id is not a non-empty
 * string (the caller's mistake), EXPERIMENT_NOT_FOUND otherwise. Every backend and the client use it, so the
 * same bad id gets the same answer whichever backend the manifest names.
 */
export function unknownExperimentError(experiment: unknown, message?: string): ExperimentError {
  if (typeof experiment !== "string" || experiment.length === 0) {
    return new InvalidContextError(`experiment id must be a non-empty string, got ${describe(experiment)}`);
  }
  return new ExperimentNotFoundError(experiment, message);
}
