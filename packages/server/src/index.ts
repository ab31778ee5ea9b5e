/**
 * @assay/server: the Assay HTTP server. Today the results dashboard of `assay serve`: server-rendered
 * pages (no script needed) with charts compiled by Vega-Lite and rendered to SVG on the server, their JSON
 * twins, a health check and token auth.
 */
export { buildDashboardApp, type DashboardAppOptions, keyRingOf } from "./app.js";
export {
  type ApiKey,
  CorsConfigError,
  type CorsOptions,
  checkCorsOptions,
  grants,
  isRole,
  type KeyMatch,
  KeyRing,
  KeysConfigError,
  loadKeysFile,
  MIN_KEY_LENGTH,
  parseKeysEnv,
  ROLES,
  type Role,
  type RouteEntry,
  routeRole,
  routeTable,
  tokenMatches,
} from "./auth/index.js";
export {
  readSimulationNotes,
  SIMULATION_NOTES_FILE,
  type SimulationNote,
  writeSimulationNote,
} from "./model/simulation-note.js";
export { type MountOptions, MountPrefixError, mountDashboard } from "./mount.js";
export { IngestTimeoutError } from "./routes/events/api-errors.js";
export { INGEST_BODY_LIMIT } from "./routes/events/ingest-routes.js";
export { MAX_BATCH, type RecordKind, type RecordProblem } from "./routes/events/record-batch.js";
export type { HttpApiOptions } from "./routes/http-api.js";
export {
  type Evaluation,
  type EvaluationSource,
  OFREP_BODY_LIMIT,
  OFREP_REASON,
  type OfrepErrorCode,
  type OfrepEvaluation,
  OfrepEvaluator,
  type OfrepFailure,
  type OfrepMetadata,
  type OfrepReason,
  type OfrepSuccess,
} from "./routes/ofrep/index.js";
export { DEFAULT_EXPORT_LIMIT, MAX_EXPORT_LIMIT } from "./routes/reads/read-routes.js";
export { StoreUnavailableError } from "./routes/source-holder.js";
export {
  DashboardConfigError,
  DEFAULT_PORT,
  isLoopback,
  type RunningDashboard,
  type ServeOptions,
  serveDashboard,
} from "./serve.js";
export type {
  DashboardMetric,
  DashboardReport,
  DashboardSource,
  ManifestStatusView,
  OpenSource,
  PipelineCounters,
} from "./source.js";
