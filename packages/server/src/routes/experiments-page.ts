import type { FastifyInstance } from "fastify";
import { routeRole } from "../auth/roles.js";
import { readSimulationNotes, type SimulationNote } from "../model/simulation-note.js";
import type { ViewCache } from "../model/view-cache.js";
import { unknownExperimentPage } from "../render/error-page.js";
import { experimentPage } from "../render/experiment-page.js";
import { indexPage } from "../render/index-page.js";
import { breakdownRequest } from "./breakdown-request.js";
import { findExperiment } from "./experiment-lookup.js";
import type { SourceHolder } from "./source-holder.js";

/** How the pages are drawn: the path their links start with, and where the simulation notes are. */
export interface PageOptions {
  /** See `DashboardAppOptions.basePath`. */
  readonly base: string;
  /** See `DashboardAppOptions.manifestDir`; no notes when absent. */
  readonly manifestDir?: string;
}

/** `GET /` and `GET /experiments/:id`: the HTML pages. */
export function experimentPageRoutes(holder: SourceHolder, views: ViewCache, pages: PageOptions) {
  const { base } = pages;
  const notes = async () =>
    pages.manifestDir === undefined
      ? new Map<string, SimulationNote>()
      : readSimulationNotes(pages.manifestDir);
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/", routeRole("read"), async (_request, reply) => {
      const source = await holder.get();
      const all = await Promise.all(source.experiments().map(async (d) => (await views.get(source, d)).view));
      return reply
        .type("text/html; charset=utf-8")
        .send(indexPage(all, source.storeName, base, await notes()));
    });
    app.get("/experiments/:id", routeRole("read"), async (request, reply) => {
      const source = await holder.get();
      const { id } = request.params as { id: string };
      const definition = findExperiment(source, id);
      if (definition === undefined) {
        const known = source.experiments().map((e) => e.id);
        return reply
          .code(404)
          .type("text/html; charset=utf-8")
          .send(unknownExperimentPage(id, known, base));
      }
      const { view, version } = await views.get(source, definition);
      const note = (await notes()).get(definition.id);
      // ?by=country: the breakdown by a declared dimension, from a summary of its own (not cached)
      const by = await breakdownRequest(source, definition, (request.query as { by?: unknown }).by);
      return reply
        .type("text/html; charset=utf-8")
        .send(experimentPage(view, version, source.storeName, base, note, by));
    });
  };
}
