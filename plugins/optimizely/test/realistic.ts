import type { ExperimentDefinition } from "@assay/core";
import { buildDatafile } from "./datafile.js";

/**
 * A datafile as an Optimizely project would serve it: three variations with uneven weights and an allocation
 * gap, a 40% rollout, an experiment behind an audience on `country` and `plan` with a forced QA user, two
 * mutually exclusive experiments of a group (50% and 30% of its traffic), and an experiment bucketed by
 * company (`$opt_bucketing_id`).
 */
export const REALISTIC_DATAFILE = buildDatafile({
  experiments: [
    {
      key: "checkout_redesign",
      id: "31000",
      variations: [
        { key: "control", weight: 20 },
        { key: "one_page", weight: 30 },
        { key: "wizard", weight: 50 },
      ],
      gapAfterFirst: 500,
    },
    {
      key: "pricing_rollout",
      id: "32000",
      variations: [
        { key: "control", weight: 50 },
        { key: "new_prices", weight: 50 },
      ],
      traffic: 0.4,
    },
    {
      key: "targeted_banner",
      id: "33000",
      variations: [
        { key: "control", weight: 70 },
        { key: "banner", weight: 30 },
      ],
      audienceIds: ["15001"],
      forced: { "qa-alice": "banner" },
    },
    {
      key: "company_dashboard",
      id: "34000",
      variations: [
        { key: "control", weight: 60 },
        { key: "dashboard", weight: 40 },
      ],
    },
  ],
  groups: [
    {
      id: "16001",
      experiments: [
        {
          key: "search_ranking",
          id: "35000",
          share: 0.5,
          variations: [
            { key: "control", weight: 1 },
            { key: "learned", weight: 1 },
          ],
        },
        {
          key: "search_filters",
          id: "36000",
          share: 0.3,
          variations: [
            { key: "control", weight: 1 },
            { key: "sidebar", weight: 1 },
          ],
        },
      ],
    },
  ],
  audiences: [{ id: "15001", all: { country: ["US", "CA"], plan: ["pro"] } }],
  attributes: ["country", "plan", "company"],
  events: ["purchase"],
});

/** Experiment ids of the datafile, by key (the impressions name the experiment by id). */
export const EXPERIMENT_IDS: Readonly<Record<string, string>> = {
  checkout_redesign: "31000",
  pricing_rollout: "32000",
  targeted_banner: "33000",
  company_dashboard: "34000",
  search_ranking: "35000",
  search_filters: "36000",
};

const definition = (id: string, variants: string[], unit = "user"): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});

/** The Assay side: variant ids are the variation keys; `company_dashboard` is randomized by `company`. */
export const REALISTIC_EXPERIMENTS: readonly ExperimentDefinition[] = [
  definition("checkout_redesign", ["control", "one_page", "wizard"]),
  definition("pricing_rollout", ["control", "new_prices"]),
  definition("targeted_banner", ["control", "banner"]),
  definition("company_dashboard", ["control", "dashboard"], "company"),
  definition("search_ranking", ["control", "learned"]),
  definition("search_filters", ["control", "sidebar"]),
];

/** `n` ids, every other one non-ASCII (accents, CJK, emoji), so the SDK's UTF-8 murmur3 input is exercised. */
export function mixedIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `user-${i}` : `ü-${i}-用户-😀`));
}
