import type { FastifyInstance } from "fastify";
import { routeRole } from "../auth/roles.js";
import type { ViewCache } from "../model/view-cache.js";
import { unknownExperimentPage } from "../render/error-page.js";
import { experimentPage } from "../render/experiment-page.js";
import { indexPage } from "../render/index-page.js";
import { findExperiment } from "./experiment-lookup.js";
import type { SourceHolder } from "./source-holder.js";

/** `GET /` and `GET /experiments/:id`: the HTML pages. */
export function experimentPageRoutes(holder: SourceHolder, views: ViewCache) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/", routeRole("read"), async (_request, reply) => {
      const source = await holder.get();
      const all = await Promise.all(source.experiments().map(async (d) => (await views.get(source, d)).view));
      return reply.type("text/html; charset=utf-8").send(indexPage(all, source.storeName));
    });
    app.get("/experiments/:id", routeRole("read"), async (request, reply) => {
      const source = await holder.get();
      const { id } = request.params as { id: string };
      const definition = findExperiment(source, id);
      if (definition === undefined) {
        const known = source.experiments().map((e) => e.id);
        return reply.code(404).type("text/html; charset=utf-8").send(unknownExperimentPage(id, known));
      }
      const { view, version } = await views.get(source, definition);
      return reply.type("text/html; charset=utf-8").send(experimentPage(view, version, source.storeName));
    });
  };
}
