export {
  generate,
  type SimulatedExperiment,
  type SimulationCounts,
  type SimulationTarget,
} from "./generate.js";
export { BASE_RATES, COUNT_MEAN, ORDER_VALUE } from "./metric-models.js";
export { SeededRandom } from "./random.js";
export {
  type SimulationClient,
  type SimulationRequest,
  type SimulationResult,
  simulateInto,
} from "./simulate-into.js";
export type { SimulatedEffect, SimulatedSrm, SimulationSpec } from "./spec.js";
