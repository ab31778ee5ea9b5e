export { importGrowthBook } from "./growthbook.js";
export { ImportError, type ImportedExperiment, type ImportResult } from "./imported.js";
export { experimentToml, ImportWriteError, manifestDocument, manifestToml } from "./manifest-toml.js";
export { importOptimizely } from "./optimizely.js";
export { importPostHog } from "./posthog.js";
export { PAYLOAD_LIMITS, readPayload } from "./read-payload.js";
export { importStatsig, type StatsigImportOptions } from "./statsig.js";
export { importUnleash } from "./unleash.js";
