export { importGrowthBook } from "./growthbook.js";
export { ImportError, type ImportedExperiment, type ImportResult } from "./imported.js";
export { experimentToml, manifestToml } from "./manifest-toml.js";
export { importPostHog } from "./posthog.js";
