import type { ExperimentDefinition } from "@assay/core";
import type { BreakdownRequest } from "../render/breakdown-section.js";
import type { DashboardSource } from "../source.js";

/**
 * What `?by=NAME` asks of one experiment: undefined without it; the dimension alone when the experiment does
 * not declare it or has no plan to evaluate slices with; else the report's breakdown, from a summary cut by it
 * (through the source's `report`, as `assay results --by NAME --json` prints it).
 */
export async function breakdownRequest(
  source: DashboardSource,
  definition: ExperimentDefinition,
  by: unknown,
): Promise<BreakdownRequest | undefined> {
  if (typeof by !== "string" || by === "") return undefined;
  const dimension = by.slice(0, 64);
  if (!(definition.dimensions ?? []).includes(dimension)) return { dimension };
  if ((definition as { readonly analysis?: unknown }).analysis === undefined) return { dimension };
  const summary = await source.summarize(definition.id, { breakdown: dimension });
  const report = source.report(definition, summary).breakdown;
  return report === undefined ? { dimension } : { dimension, report };
}
