import { type SimulationResult, simulateInto } from "@assay/cli";
import type { Assay } from "@assay/runtime";
import { EXPERIMENT } from "./server.js";

/**
 * The demo's simulated week: 14,000 visitors over 7 days, the green button lifting checkouts by 20% and
 * leaving revenue per visitor as it is (its buyers spend less), so a new user sees at once a real effect
 * on one metric and none on another. The product costs 24, so a converting visitor's order averages that.
 */
export const DEMO_WEEK = Object.freeze({
  users: 14_000,
  days: 7,
  seed: "demo",
  effects: ["checkout=+20%"],
  orderValue: 24,
});

/**
 * Writes the simulated week into an empty store (a store with any exposure of the experiment is left as
 * it is), marked as simulated for the dashboard; resolves with what was written, or undefined.
 */
export async function seedDemoWeek(assay: Assay, manifestDir: string): Promise<SimulationResult | undefined> {
  const summary = await assay.summarize(EXPERIMENT);
  if (summary.variants.some((v) => v.exposures > 0)) return undefined;
  return simulateInto(assay, manifestDir, { experiment: EXPERIMENT, ...DEMO_WEEK });
}
