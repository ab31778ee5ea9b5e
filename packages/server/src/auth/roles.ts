/**
 * What an API key may do. Each route declares the one role it needs in its Fastify options
 * (`config: { role: "read" }`); a route that declares none is open (`/healthz`).
 * - `evaluate`: OFREP flag and experiment evaluation; safe to ship in a browser or a mobile app;
 * - `ingest`: recording exposures and outcomes;
 * - `read`: reports, the dashboard, export;
 * - `admin`: everything (it implies every other role).
 */
export type Role = "evaluate" | "ingest" | "read" | "admin";

/** Every role, in the order the docs list them. */
export const ROLES: readonly Role[] = Object.freeze(["evaluate", "ingest", "read", "admin"]);

declare module "fastify" {
  interface FastifyContextConfig {
    /** The role a key needs for this route; absent: the route is open to anyone. */
    role?: Role;
  }
}

/** Whether `value` names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether a key holding `held` may use a route that needs `needed` (`admin` implies every role). */
export function grants(held: ReadonlySet<Role>, needed: Role): boolean {
  return held.has(needed) || held.has("admin");
}

/**
 * The route options that declare the role a route needs, typed, for `app.post(url, routeRole("ingest"),
 * handler)` or spread into larger options: `{ ...routeRole("read"), schema }`.
 */
export function routeRole(role: Role): { readonly config: { readonly role: Role } } {
  return { config: { role } };
}
