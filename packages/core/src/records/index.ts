export { type OutcomeInput, type OutcomeKind, OutcomeValue, toOutcomeValue } from "./outcome-value.js";
export {
  type ExposureRecord,
  type OutcomeRecord,
  requireId,
  validateExposure,
  validateOutcome,
} from "./records.js";
