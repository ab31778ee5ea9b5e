import type { ExperimentDefinition } from "@assay/core";

/** An Optimizely experiment to write into a v4 datafile. */
export interface ExperimentSpec {
  readonly key: string;
  readonly id: string;
  /** Variation keys and relative weights, in order. */
  readonly variations: readonly { readonly key: string; readonly weight: number }[];
  /** Share of traffic allocated, 0..1 (the rest of the 10,000 buckets gets no variation). Default 1. */
  readonly traffic?: number;
  /** A hole (`entityId: ""`) of this many buckets after the first variation: the allocation gaps editors leave. */
  readonly gapAfterFirst?: number;
  readonly audienceIds?: readonly string[];
  /** The datafile's forced users: user id -> variation key. */
  readonly forced?: Readonly<Record<string, string>>;
}

/** A mutually exclusive group (`policy: "random"`): each experiment gets a share of the group's buckets. */
export interface GroupSpec {
  readonly id: string;
  readonly experiments: readonly (ExperimentSpec & { readonly share: number })[];
}

/**
 * An audience: every `attribute in values` must hold (values compared with `exact`), or, with `conditions`, that
 * condition tree as the datafile writes it (numeric `gt`, `exists`, ...).
 */
export interface AudienceSpec {
  readonly id: string;
  readonly all?: Readonly<Record<string, readonly string[]>>;
  readonly conditions?: readonly unknown[];
}

function trafficAllocation(e: ExperimentSpec, variationId: (i: number) => string) {
  const total = e.variations.reduce((a, v) => a + v.weight, 0);
  const scale = (e.traffic ?? 1) * 10_000 - (e.gapAfterFirst ?? 0);
  const ranges: { entityId: string; endOfRange: number }[] = [];
  let cumulative = 0;
  let shift = 0;
  for (const [i, v] of e.variations.entries()) {
    cumulative += v.weight;
    ranges.push({ entityId: variationId(i), endOfRange: Math.round((cumulative / total) * scale) + shift });
    if (i === 0 && e.gapAfterFirst) {
      shift = e.gapAfterFirst;
      ranges.push({ entityId: "", endOfRange: ranges[0]!.endOfRange + shift });
    }
  }
  return ranges;
}

function experiment(e: ExperimentSpec) {
  const variationId = (i: number) => `${e.id}${i + 1}`;
  return {
    id: e.id,
    key: e.key,
    status: "Running",
    layerId: `${e.id}0`,
    audienceIds: [...(e.audienceIds ?? [])],
    audienceConditions: [...(e.audienceIds ?? [])],
    variations: e.variations.map((v, i) => ({
      id: variationId(i),
      key: v.key,
      featureEnabled: true,
      variables: [],
    })),
    trafficAllocation: trafficAllocation(e, variationId),
    forcedVariations: { ...(e.forced ?? {}) },
  };
}

/** A v4 datafile as Optimizely serves it for `experiments`, `groups`, `audiences`, and the events to track. */
export function buildDatafile(spec: {
  readonly experiments: readonly ExperimentSpec[];
  readonly groups?: readonly GroupSpec[];
  readonly audiences?: readonly AudienceSpec[];
  readonly attributes?: readonly string[];
  readonly events?: readonly string[];
  readonly revision?: string;
}): Record<string, unknown> {
  const all = [...spec.experiments, ...(spec.groups ?? []).flatMap((g) => g.experiments)];
  return {
    version: "4",
    accountId: "12001",
    projectId: "12002",
    revision: spec.revision ?? "1",
    anonymizeIP: true,
    botFiltering: false,
    sendFlagDecisions: true,
    experiments: spec.experiments.map(experiment),
    groups: (spec.groups ?? []).map((g) => {
      let end = 0;
      return {
        id: g.id,
        policy: "random",
        experiments: g.experiments.map(experiment),
        trafficAllocation: g.experiments.map((e) => {
          end += Math.round(e.share * 10_000);
          return { entityId: e.id, endOfRange: end };
        }),
      };
    }),
    audiences: (spec.audiences ?? []).map((a) => ({
      id: a.id,
      name: `audience ${a.id}`,
      conditions: JSON.stringify(
        a.conditions ?? [
          "and",
          ...Object.entries(a.all ?? {}).map(([name, values]) => [
            "or",
            ...values.map((value) => ({ name, type: "custom_attribute", match: "exact", value })),
          ]),
        ],
      ),
    })),
    typedAudiences: [],
    attributes: (spec.attributes ?? []).map((key, i) => ({ id: `1300${i}`, key })),
    events: (spec.events ?? []).map((key, i) => ({
      id: `1400${i}`,
      key,
      experimentIds: all.map((e) => e.id),
    })),
    featureFlags: [],
    rollouts: [],
    integrations: [],
    variables: [],
  };
}

/** A datafile serving Assay experiment definitions: variation keys = variant ids, weights and traffic as declared. */
export function datafileFor(experiments: readonly ExperimentDefinition[]): Record<string, unknown> {
  return buildDatafile({
    experiments: experiments.map((e, i) => ({
      key: e.id,
      id: `${20_000 + i * 10}`,
      variations: e.variants.map((v) => ({ key: v.id, weight: v.weight })),
      traffic: e.traffic,
    })),
    events: ["purchase"],
  });
}
