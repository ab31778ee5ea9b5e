export {
  DEFAULT_BOT_PATTERN,
  EXPERIMENTS_HEADER,
  type RequestAssay,
  RequestOptionsError,
  type TrackOptions,
  type UnitSource,
} from "@assay/runtime";
export { type AssayHonoOptions, assayMiddleware } from "./middleware.js";
