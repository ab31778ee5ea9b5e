export { registerApiKeyAuth } from "./api-key-auth.js";
export {
  CorsConfigError,
  type CorsOptions,
  checkCorsOptions,
  registerEvaluateCors,
  registerPreflight,
} from "./cors.js";
export { type ApiKey, type KeyMatch, KeyRing, tokenMatches } from "./key-ring.js";
export { KeysConfigError, loadKeysFile, MIN_KEY_LENGTH, parseKeysEnv } from "./keys-config.js";
export { grants, isRole, ROLES, type Role, routeRole } from "./roles.js";
export { type RouteEntry, recordRoutes, routeTable } from "./route-table.js";
