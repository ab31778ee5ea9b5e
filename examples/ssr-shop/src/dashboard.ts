import { reportOf } from "@assay/cli";
import type { Assay } from "@assay/runtime";
import { type DashboardReport, type DashboardSource, mountDashboard } from "@assay/server";
import type { FastifyInstance } from "fastify";

/** Where the shop serves Assay's results dashboard. */
export const RESULTS_PATH = "/results";

/**
 * Mounts the results dashboard of `@assay/server` under /results, over the shop's own client: the very
 * pages `assay serve` shows (decision and why, intervals, trend, exposures), and the reports are the CLI's
 * `reportOf`, so the page and `npm run assay -- results … --json` cannot disagree.
 */
export async function mountResults(app: FastifyInstance, assay: Assay, manifestDir?: string): Promise<void> {
  const source: DashboardSource = {
    storeName: assay.store.name,
    experiments: () => assay.experiments(),
    // Flushed first: a purchase made a moment ago is on the page the buyer opens next.
    summarize: async (id, options) => {
      await assay.flush();
      return assay.summarize(id, options);
    },
    report: (definition, summary) => reportOf(definition, summary, undefined) as DashboardReport,
    // No close: the shop closes its client itself, after the server.
  };
  await mountDashboard(app, {
    prefix: RESULTS_PATH,
    open: async () => source,
    // Every page is fresh: a visitor who just bought sees the purchase counted (the demo's store is small,
    // so a summary per page and chart costs a few milliseconds).
    viewCacheMs: 0,
    ...(manifestDir === undefined ? {} : { manifestDir }),
  });
}
