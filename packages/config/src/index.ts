export { formatIssue, issueAt, type Locatable, type LocationTarget, type ManifestIssue } from "./issue.js";
export { loadManifest } from "./load-manifest.js";
export type { ExperimentEntry, Manifest, PluginEntry } from "./manifest.js";
export { isManifestError, ManifestError } from "./manifest-error.js";
export { optionIssue } from "./option-issue.js";
export { parseManifest } from "./parse-manifest.js";
export { formatPath, type ManifestPath } from "./path.js";
export { UNIT_PATTERN } from "./schema/experiment-schema.js";
export type { SourceLocation } from "./source-location.js";
