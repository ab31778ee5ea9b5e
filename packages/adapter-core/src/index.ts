export {
  type AttributedExposure,
  type AttributedOutcome,
  type ExposureForwarding,
  type ServedExperiment,
  VendorAdapter,
  type VendorAdapterOptions,
} from "./adapter/vendor-adapter.js";
export {
  AssignedContexts,
  type AttributedRecord,
  DEFAULT_CONTEXT_MEMORY,
} from "./contexts/assigned-contexts.js";
export { type CheckedUnit, checkedUnit } from "./experiments/checked-unit.js";
export {
  controlOf,
  enrolledVariants,
  lookupExperiment,
  type OutsideVariants,
  outsideVariants,
  requireDeclaredVariant,
  serveExperiments,
} from "./experiments/served-variants.js";
export { unitOf } from "./experiments/unit-of.js";
export {
  CONTEXT_MEMORY_OPTION,
  checkOptions,
  nonEmptyString,
  type OptionSpec,
  positiveNumber,
  stringTable,
  wholeNumber,
} from "./options/option-checks.js";
export { readJsonFile } from "./payload/read-json-file.js";
