import type { ExperimentDefinition } from "@assay/core";
import { buildSpecs, fieldIn } from "./specs.js";

/**
 * A payload as a Statsig project would serve it: three groups with uneven weights, a 40% partial rollout, an
 * experiment behind a targeting gate on `country` (a Statsig user field) and `plan` (a custom field), and one
 * randomized by the custom id `companyID`.
 */
export const REALISTIC_SPECS = buildSpecs(
  [
    {
      name: "checkout_redesign",
      salt: "8b7c1f0e-5d2a-4c55-9a0e-2f61d3c0a111",
      groups: [
        { name: "Control", weight: 20 },
        { name: "One Page", weight: 30 },
        { name: "Wizard", weight: 50 },
      ],
    },
    {
      name: "pricing_rollout",
      salt: "d2a91c4b-77e0-4b8e-8f5d-0c9e6a1b2222",
      groups: [
        { name: "Control", weight: 50 },
        { name: "New Prices", weight: 50 },
      ],
      allocation: 0.4,
    },
    {
      name: "targeted_banner",
      salt: "3f0e8d6a-1b2c-4d5e-8f9a-0b1c2d3e3333",
      groups: [
        { name: "Control", weight: 70 },
        { name: "Banner", weight: 30 },
      ],
      targetingGate: "banner_audience",
    },
    {
      name: "company_dashboard",
      salt: "6c5b4a39-2817-4e6d-9c8b-7a6954444444",
      groups: [
        { name: "Control", weight: 60 },
        { name: "Dashboard", weight: 40 },
      ],
      idType: "companyID",
    },
  ],
  [{ name: "banner_audience", conditions: [fieldIn("country", ["US", "CA"]), fieldIn("plan", ["pro"])] }],
);

const definition = (id: string, variants: string[], unit = "user"): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});

/** The Assay side: variant ids are the group names, `company_dashboard` is randomized by the `company` attribute. */
export const REALISTIC_EXPERIMENTS: readonly ExperimentDefinition[] = [
  definition("checkout_redesign", ["Control", "One Page", "Wizard"]),
  definition("pricing_rollout", ["Control", "New Prices"]),
  definition("targeted_banner", ["Control", "Banner"]),
  definition("company_dashboard", ["Control", "Dashboard"], "company"),
];

/** `n` ids, every other one non-ASCII (accents, CJK, emoji), so UTF-8 hashing is exercised. */
export function mixedIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `user-${i}` : `ü-${i}-用户-😀`));
}
