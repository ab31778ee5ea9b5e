export { type ExploratoryReport, type ResultsReport, reportOf } from "./commands/report.js";
export { CliError, EXIT } from "./exit-codes.js";
export {
  experimentToml,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  ImportWriteError,
  importGrowthBook,
  importOptimizely,
  importPostHog,
  importStatsig,
  importUnleash,
  manifestDocument,
  manifestToml,
  PAYLOAD_LIMITS,
  readPayload,
  type StatsigImportOptions,
} from "./import/index.js";
export type { Io } from "./io.js";
export { run } from "./main.js";
export {
  generate as simulateExperiment,
  type SimulatedEffect,
  type SimulatedExperiment,
  type SimulatedSrm,
  type SimulationClient,
  type SimulationCounts,
  type SimulationRequest,
  type SimulationResult,
  type SimulationSpec,
  type SimulationTarget,
  simulateInto,
} from "./simulate/index.js";
