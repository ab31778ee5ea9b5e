// The one place reflect-metadata is imported: inversify needs the global Reflect API, libraries never import it.
import "reflect-metadata";

export { Assay, type ExperimentRoute, type RecordOptions } from "./assay-client.js";
export { type CreateAssayOptions, createAssay } from "./create-assay.js";
export { DEFAULT_STORE_PACKAGE } from "./default-store.js";
export { FlagClient } from "./flag-client.js";
export { AssaySnapshot } from "./live/assay-snapshot.js";
export type { ManifestStatus, ReloadResult, WatchOptions } from "./live/manifest-reloader.js";
export { isManifestUrl } from "./live/manifest-source.js";
export { manifestVersionOf } from "./live/manifest-version.js";
export { type LoadedPlugin, loadPlugins } from "./load-plugins.js";
export { MissingPackageError } from "./missing-package-error.js";
export { locatePluginSource, PluginSourceError, type PluginSourceLocation } from "./plugin-module.js";
export type { StickyOptions } from "./policy/sticky-assignments.js";
export {
  type AttributeSource,
  type CookieUnitSource,
  createRequestCore,
  DEFAULT_BOT_PATTERN,
  EXPERIMENTS_HEADER,
  type FrameworkBinding,
  formatExperimentsHeader,
  type HeaderUnitSource,
  PropagatedAssignments,
  type RequestAssay,
  type RequestAssayOptions,
  type RequestCore,
  RequestHandle,
  RequestOptionsError,
  readCookie,
  signCookieValue,
  type TrackOptions,
  type UnitSource,
  type UserUnitSource,
  verifyCookieValue,
} from "./request/index.js";
export { TOKENS, type Token } from "./tokens.js";
