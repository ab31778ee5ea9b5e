export { type DefinitionChange, experimentChanges, flagChanges, phaseOf } from "./definition-changes.js";
export { type Share, shareOf } from "./interval.js";
export {
  type ExperimentMeasure,
  type ExperimentMovement,
  type FlagMovement,
  type Measures,
  measure,
} from "./measure.js";
export { idsPopulation, type Population, samplePopulation } from "./population.js";
export {
  type DiffReport,
  diffReport,
  type ExperimentDiff,
  type FlagDiff,
  type MovementReport,
  renderDiff,
} from "./report.js";
