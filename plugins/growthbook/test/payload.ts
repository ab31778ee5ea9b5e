import type { ExperimentDefinition } from "@assay/core";
import type { FeatureApiResponse } from "@growthbook/growthbook";

/**
 * A GrowthBook payload serving Assay experiment definitions: one feature per experiment (`feature-<id>`) with
 * one experiment rule whose tracking key is the Assay id, hash version 2, the weights normalised, the variant
 * ids as `meta[].key` (what GrowthBook reports as `result.key`).
 */
export function payloadFor(experiments: readonly ExperimentDefinition[]): FeatureApiResponse {
  const features: NonNullable<FeatureApiResponse["features"]> = {};
  for (const e of experiments) {
    const total = e.variants.reduce((a, v) => a + v.weight, 0);
    features[`feature-${e.id}`] = {
      defaultValue: null,
      rules: [
        {
          key: e.id,
          seed: e.salt ?? e.id,
          hashVersion: 2,
          coverage: e.traffic,
          variations: e.variants.map((v) => v.id),
          weights: e.variants.map((v) => v.weight / total),
          meta: e.variants.map((v) => ({ key: v.id })),
        },
      ],
    };
  }
  return { features };
}
