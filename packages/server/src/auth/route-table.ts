import type { FastifyInstance } from "fastify";
import type { Role } from "./roles.js";

/** One registered route and the role it declares (undefined: open). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly role: Role | undefined;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Records every route registered on `app` from now on, with its role, so the route table can be listed
 * (`routeTable`) and tested: every route that declares a role refuses a request without a key.
 */
export function recordRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) table.push({ method, url: route.url, role: route.config?.role });
  });
}

/** The routes of an app built by `buildDashboardApp`, each with its role; empty for other apps. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}
