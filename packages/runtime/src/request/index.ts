export { DEFAULT_BOT_PATTERN } from "./bots.js";
export { RequestOptionsError } from "./errors.js";
export type {
  AttributeSource,
  CookieUnitSource,
  HeaderUnitSource,
  RequestAssayOptions,
  UnitSource,
  UserUnitSource,
} from "./options.js";
export { EXPERIMENTS_HEADER, formatExperimentsHeader, PropagatedAssignments } from "./propagation.js";
export type { RequestAssay, TrackOptions } from "./request-assay.js";
export { createRequestCore, type FrameworkBinding, type RequestCore } from "./request-core.js";
export { RequestHandle } from "./request-handle.js";
export { readCookie, signCookieValue, verifyCookieValue } from "./signed-cookie.js";
