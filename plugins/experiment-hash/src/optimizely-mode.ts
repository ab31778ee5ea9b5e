import {
  compileTargeting,
  type ExperimentContext,
  type ExperimentDefinition,
  type OptimizelyHashing,
  type Targeting,
} from "@assay/core";
import { optimizely } from "@assay/hashing";
import type { VendorBucketer } from "./vendor-modes.js";

/**
 * The `optimizely` mode: the experiment's traffic allocation (as `allocation`, or one end per variant as `ends`,
 * or the weights scaled to `traffic`), the random group it is in, the datafile's allowlist and the experiments
 * `decide` tries first (`after`: units they serve are out), bucketed as
 * `@optimizely/optimizely-sdk` does (`@assay/hashing`'s `optimizely.compileAllocation`). The allowlist is keyed
 * by the unit (Optimizely's user id); `bucketing_id` names the attribute hashed instead when set (its
 * `$opt_bucketing_id`). Throws RangeError on a definition the mode cannot serve.
 */
export function optimizelyBucketer(d: ExperimentDefinition, h: OptimizelyHashing): VendorBucketer {
  const index = new Map(d.variants.map((v, i) => [v.id, i]));
  const variantIndex = (id: string, what: string): number => {
    const i = index.get(id);
    if (i === undefined)
      throw new RangeError(`experiment ${d.id}: hashing.${what} names ${JSON.stringify(id)}, not a variant`);
    return i;
  };
  let allocation: optimizely.AllocationRange<number>[];
  if (h.allocation !== undefined) {
    allocation = h.allocation.map((r) => ({
      to: r.variant === undefined ? null : variantIndex(r.variant, "allocation"),
      end: r.end,
    }));
  } else {
    const ends =
      h.ends ??
      defaultEnds(
        d.variants.map((v) => v.weight),
        d.traffic,
      );
    if (ends.length !== d.variants.length) {
      throw new RangeError(
        `experiment ${d.id}: hashing.ends has ${ends.length} entries for ${d.variants.length} variants`,
      );
    }
    allocation = ends.map((end, i) => ({ to: i, end }));
  }
  const allowlist = new Map<string, number>();
  for (const [variant, units] of Object.entries(h.allowlist ?? {})) {
    const i = variantIndex(variant, "allowlist");
    for (const unit of units) allowlist.set(unit, i);
  }
  const compiled = optimizely.compileAllocation({
    experimentId: h.experimentId,
    allocation,
    group:
      h.group === undefined
        ? undefined
        : {
            id: h.group.id,
            allocation: h.group.allocation.map((r) => ({ to: r.experiment ?? null, end: r.end })),
          },
    allowlist,
    after: h.after?.map((prior) => ({
      experimentId: prior.experiment,
      served: prior.served,
      group:
        prior.group === undefined
          ? undefined
          : {
              id: prior.group.id,
              allocation: prior.group.allocation.map((r) => ({ to: r.experiment ?? null, end: r.end })),
            },
      allowlist: new Set(prior.allowlist ?? []),
      matches: prior.audience === undefined ? undefined : audienceOf(prior.audience),
    })),
  });
  const attribute = h.bucketingId;
  return {
    mode: "optimizely",
    bucket(unit, ctx) {
      let id = unit;
      if (attribute !== undefined) {
        const value: unknown = ctx.attributes?.[attribute];
        if (typeof value === "string") id = value;
      }
      return compiled.bucket(id, unit, ctx);
    },
  };
}

/** A prior experiment's audiences over the context the backend is given (the same rules as `targeting`). */
function audienceOf(audience: Targeting): (context: unknown) => boolean {
  const admits = compileTargeting(audience);
  return (context: unknown) => admits(context as ExperimentContext);
}

/** Optimizely's allocation of relative weights and a traffic share: cumulative ends over 0..10000. */
function defaultEnds(weights: readonly number[], traffic: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  return weights.map((w) => {
    cumulative += w;
    return Math.round((cumulative / total) * traffic * optimizely.MAX_TRAFFIC_VALUE);
  });
}
