/**
 * @assay/server: the Assay HTTP server. Today the results dashboard of `assay serve`: server-rendered
 * pages (no script needed) with charts compiled by Vega-Lite and rendered to SVG on the server, their JSON
 * twins, a health check and token auth.
 */
export { buildDashboardApp, type DashboardAppOptions } from "./app.js";
export { tokenMatches } from "./auth/token.js";
export { StoreUnavailableError } from "./routes/source-holder.js";
export {
  DashboardConfigError,
  DEFAULT_PORT,
  isLoopback,
  type RunningDashboard,
  type ServeOptions,
  serveDashboard,
} from "./serve.js";
export type { DashboardMetric, DashboardReport, DashboardSource, OpenSource } from "./source.js";
