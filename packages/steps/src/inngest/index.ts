export { exposureStepId } from "../engine/types.js";
export {
  type AssayInngestContext,
  assayTools,
  type InngestContextLike,
  scoreStepId,
  selectionStepId,
  withAssay,
} from "./assay-tools.js";
export { scoreInngestRun } from "./late-score.js";
export { type InngestScoreClient, sdkExperimentRef } from "./sdk-score.js";
