import type { ExperimentContext } from "@assay/core";
import type { Assay } from "@assay/runtime";

/** The experiments the app runs, by the ids both manifests declare. */
export const EXPERIMENTS = ["checkout-button-color", "pricing-layout", "onboarding-steps"] as const;

/** What the app decides for one visitor: a variant per experiment (control for units not enrolled). */
export type Decisions = Record<(typeof EXPERIMENTS)[number], string>;

/**
 * The app's one place that asks for variants. It neither knows nor cares which backend the manifest loads:
 * GrowthBook's SDK or Assay's local hashing.
 */
export function decide(assay: Assay, userId: string): Decisions {
  const ctx: ExperimentContext = { userId, attributes: {} };
  return {
    "checkout-button-color": assay.assign("checkout-button-color", ctx).variantId,
    "pricing-layout": assay.assign("pricing-layout", ctx).variantId,
    "onboarding-steps": assay.assign("onboarding-steps", ctx).variantId,
  };
}

/** The home page, rendered from the decisions (what a user would see move, were the swap to re-randomize). */
export function renderHome(d: Decisions): string {
  const button = d["checkout-button-color"] === "green" ? "#1a7f37" : "#0969da";
  const steps = d["onboarding-steps"] === "one-step" ? 1 : d["onboarding-steps"] === "three-steps" ? 3 : 5;
  return `<button style="background:${button}">Buy</button><p>pricing: ${d["pricing-layout"]}</p><p>${steps} onboarding steps</p>`;
}
