import type { FastifyInstance } from "fastify";
import { routeRole } from "../auth/roles.js";
import { ChartCache } from "../charts/chart-cache.js";
import { CHART_WIDTHS, type ChartName, type ChartSize, drawChart } from "../charts/experiment-charts.js";
import type { ViewCache } from "../model/view-cache.js";
import { findExperiment } from "./experiment-lookup.js";
import type { SourceHolder } from "./source-holder.js";

const NAMES: ReadonlySet<string> = new Set(["interval", "trend", "exposures"]);

/**
 * `GET /experiments/:id/charts/:name.svg?size=wide|narrow[&metric=M][&v=VERSION]`: the page's charts as
 * SVG images, so the HTML is answered without waiting for them and a phone downloads only the narrow ones.
 * Drawn once per data version; a request naming the current version may be cached by the browser.
 */
export function experimentChartRoutes(holder: SourceHolder, views: ViewCache) {
  const charts = new ChartCache();
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/experiments/:id/charts/:file", routeRole("read"), async (request, reply) => {
      const { id, file } = request.params as { id: string; file: string };
      const query = request.query as { size?: unknown; metric?: unknown; v?: unknown };
      const name = file.endsWith(".svg") ? file.slice(0, -4) : "";
      const size = query.size === undefined ? "wide" : query.size;
      if (!NAMES.has(name) || typeof size !== "string" || !Object.hasOwn(CHART_WIDTHS, size)) {
        return reply.code(404).send({
          error: "not-found",
          message: "no such chart (interval, trend, exposures; size wide or narrow)",
        });
      }
      const metric = typeof query.metric === "string" ? query.metric : undefined;
      const source = await holder.get();
      const definition = findExperiment(source, id);
      if (definition === undefined) return reply.code(404).send({ error: "experiment-not-found" });
      const { view, version } = await views.get(source, definition);
      const key = `${definition.id}\u0000${version}\u0000${name}\u0000${size}\u0000${metric ?? ""}`;
      const svg = await charts.get(
        key,
        async () => (await drawChart(view, name as ChartName, size as ChartSize, metric)) ?? "",
      );
      if (svg === "")
        return reply.code(404).send({ error: "not-found", message: "this experiment has no such chart yet" });
      const current = query.v === version;
      return reply
        .type("image/svg+xml; charset=utf-8")
        .header("cache-control", current ? "private, max-age=3600, immutable" : "no-cache")
        .send(svg);
    });
  };
}
