export {
  decodeDimensions,
  dimensionNameProblem,
  dimensionsFromAttributes,
  encodeDimensions,
  MAX_DIMENSION_VALUE_LENGTH,
  MAX_DIMENSIONS,
  requireDimensions,
} from "./dimensions.js";
export { DEFAULT_TIMESTAMP_WINDOW, MAX_OUTCOME_MAGNITUDE, type TimestampWindow } from "./limits.js";
export { type OutcomeInput, type OutcomeKind, OutcomeValue, toOutcomeValue } from "./outcome-value.js";
export {
  type ExposureRecord,
  idProblem,
  MAX_ID_LENGTH,
  type OutcomeRecord,
  requireId,
  requireTimestamp,
  validateExposure,
  validateOutcome,
} from "./records.js";
export {
  DEFAULT_ENVIRONMENT,
  DEFAULT_PHASE,
  isEnvironmentName,
  requireEnvironment,
  requirePhase,
} from "./segment.js";
