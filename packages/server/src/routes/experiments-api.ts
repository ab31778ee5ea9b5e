import type { FastifyInstance } from "fastify";
import { routeRole } from "../auth/roles.js";
import { experimentView } from "../model/experiment-view.js";
import { findExperiment } from "./experiment-lookup.js";
import type { SourceHolder } from "./source-holder.js";

/**
 * The JSON twins of the pages. `/api/experiments/:id` is the report object `assay results <id> --json`
 * prints (with `?daily=1`, plus `daily` as `--daily` adds); `/api/experiments` lists every experiment
 * with its status and the same report.
 */
export function experimentApiRoutes(holder: SourceHolder) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/api/experiments", routeRole("read"), async () => {
      const source = await holder.get();
      const views = await Promise.all(source.experiments().map((d) => experimentView(source, d)));
      return {
        experiments: views.map((v) => ({
          id: v.definition.id,
          status: v.status,
          unitsExposed: v.unitsExposed,
          daysRunning: v.daysRunning,
          report: v.report,
        })),
      };
    });
    app.get("/api/experiments/:id", routeRole("read"), async (request, reply) => {
      const source = await holder.get();
      const { id } = request.params as { id: string };
      const definition = findExperiment(source, id);
      if (definition === undefined) {
        return reply.code(404).send({
          error: "experiment-not-found",
          message: `no experiment ${JSON.stringify(String(id).slice(0, 200))} in the manifest`,
          known: source.experiments().map((e) => e.id),
        });
      }
      const { daily, by } = request.query as { daily?: unknown; by?: unknown };
      if (by !== undefined) {
        // ?by=country: the report with its breakdown by a declared dimension
        const dimension = String(by).slice(0, 64);
        const declared = definition.dimensions ?? [];
        const planned = (definition as { readonly analysis?: unknown }).analysis !== undefined;
        if (!declared.includes(dimension) || !planned) {
          return reply.code(400).send({
            error: "breakdown-unavailable",
            message: `by=${dimension}: ${definition.id} ${declared.includes(dimension) ? "has no analysis plan to evaluate slices with" : `declares ${declared.length === 0 ? "no dimensions" : `the dimensions ${declared.join(", ")}`}`}`,
          });
        }
        return source.report(definition, await source.summarize(definition.id, { breakdown: dimension }));
      }
      const summary = await source.summarize(definition.id, { daily: true });
      const report = source.report(definition, summary);
      return daily === "1" || daily === "true" ? { ...report, daily: summary.daily } : report;
    });
  };
}
