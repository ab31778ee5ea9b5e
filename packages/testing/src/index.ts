export { chiSquarePValue } from "./chi-square.js";
export { type EventStoreHarness, testEventStore } from "./event-store-suite.js";
export { type ExperimentPluginHarness, testExperimentPlugin } from "./experiment-plugin-suite.js";
export { conformanceExperiments, sampleIds } from "./fixtures.js";
export { findPostgresBin, PostgresBinariesMissingError, PostgresCluster } from "./postgres-cluster.js";
export {
  MIDDLEWARE_SUITE_EXPERIMENT,
  MIDDLEWARE_SUITE_MANIFEST,
  MIDDLEWARE_SUITE_SECRET,
  type MiddlewareSuiteApps,
  type RequestMiddlewareHarness,
  testRequestMiddleware,
} from "./request-middleware-suite.js";
export { type StickyStoreHarness, testStickyStore } from "./sticky-store-suite.js";
export { testSummaryNumerics } from "./summary-numerics-suite.js";
