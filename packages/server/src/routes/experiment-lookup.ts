import type { ExperimentDefinition } from "@assay/core";
import type { DashboardSource } from "../source.js";

/** Ids longer than any store keeps, or holding control characters, name no experiment. */
const MAX_ID = 256;

/** The declared experiment `id` names, or undefined: never throws on hostile input. */
export function findExperiment(source: DashboardSource, id: unknown): ExperimentDefinition | undefined {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f]/.test(id)) return undefined;
  return source.experiments().find((e) => e.id === id);
}
