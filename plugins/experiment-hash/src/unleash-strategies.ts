import {
  compileTargeting,
  type ExperimentContext,
  type ExperimentDefinition,
  type TargetingPredicate,
  type UnleashHashing,
  type UnleashStrategy,
} from "@assay/core";
import { unleash } from "@assay/hashing";

/**
 * What a context-reading bucketer answers besides a variant index (>= 0, enrolled by the hash): the unit is
 * outside the rollout, outside every strategy's targeting, has no id the vendor would hash deterministically
 * (the vendor picks at random), or is served a variant by an override (`forcedCode(index)`).
 */
export const Outcome = { Traffic: -1, Anonymous: -2, Targeting: -3 } as const;
const FORCED_BASE = -4;

/** The code of "variant `index` served by an override" (not enrolled: `reason: "forced"`). */
export function forcedCode(index: number): number {
  return FORCED_BASE - index;
}

/** The variant index of a forced code, or -1. */
export function forcedIndex(code: number): number {
  return code <= FORCED_BASE ? FORCED_BASE - code : -1;
}

/** A bucketer that reads the whole context (it picks its own unit per strategy). */
export interface ContextBucketer {
  readonly mode: string;
  /** The variant index, or an {@link Outcome} / {@link forcedCode}. */
  decide(ctx: ExperimentContext): number;
}

/**
 * The `unleash` mode with `strategies`: the toggle evaluated as unleash-client's `getVariant` does, strategy
 * by strategy (targeting, then rollout on its stickiness), strategy variants before the toggle's, overrides
 * before the hash. The unit is whatever each stickiness names (`default`: userId, else sessionId), so the
 * experiment's `unit` is not read here.
 */
export function unleashStrategiesBucketer(d: ExperimentDefinition, h: UnleashHashing): ContextBucketer {
  if (d.traffic !== 1) {
    throw new RangeError(
      `experiment ${d.id}: traffic must be 1 with hashing.strategies (each strategy's rollout decides), got ${d.traffic}`,
    );
  }
  const index = new Map(d.variants.map((v, i) => [v.id, i]));
  const indexOf = (id: string, where: string) => {
    const i = index.get(id);
    if (i === undefined)
      throw new RangeError(`experiment ${d.id}: ${where} names variant ${id}, which is not declared`);
    return i;
  };
  for (const v of d.variants) {
    if (!Number.isInteger(v.weight))
      throw new RangeError(`experiment ${d.id}: unleash mode needs integer weights (out of 1000)`);
  }
  for (const o of h.overrides ?? []) indexOf(o.variant, "hashing.overrides");
  const toggle: unleash.PlannedVariants | undefined =
    h.toggleVariants === false
      ? undefined
      : {
          groupId: h.variantGroupId ?? h.groupId,
          stickiness: h.variantStickiness ?? "default",
          variants: d.variants.map((v, i) => {
            const overrides = (h.overrides ?? [])
              .filter((o) => index.get(o.variant) === i)
              .map((o) => ({ field: o.field, values: o.values }));
            return { index: i, weight: v.weight, ...(overrides.length > 0 ? { overrides } : {}) };
          }),
        };
  const strategies = h.strategies ?? [];
  const plan: unleash.FeaturePlan = {
    strategies: strategies.map((s, i) => planStrategy(s, (id) => indexOf(id, `hashing.strategies[${i}]`))),
    ...(toggle === undefined ? {} : { variants: toggle }),
  };
  const targeting: (TargetingPredicate | undefined)[] = strategies.map((s) =>
    s.targeting === undefined || (s.targeting.include.length === 0 && s.targeting.exclude.length === 0)
      ? undefined
      : compileTargeting(s.targeting),
  );
  // the context under evaluation and whether any strategy's targeting held, read by `matches`
  let current: ExperimentContext | undefined;
  let targeted = false;
  const matches = (i: number): boolean => {
    const predicate = targeting[i];
    if (predicate !== undefined && !predicate(current!)) return false;
    targeted = true;
    return true;
  };
  return {
    mode: "unleash",
    decide(ctx) {
      current = ctx;
      targeted = false;
      const context: unleash.Context = {
        userId: ctx.userId,
        sessionId: ctx.sessionId,
        properties: ctx.attributes ?? {},
      };
      const code = unleash.evaluatePlan(plan, context, matches);
      current = undefined;
      if (code >= 0) return code;
      if (code === unleash.RANDOM) return Outcome.Anonymous;
      if (code === unleash.NOT_ENABLED) return targeted ? Outcome.Traffic : Outcome.Targeting;
      if (code === unleash.NO_VARIANT) return Outcome.Traffic;
      return forcedCode(unleash.overrideIndex(code));
    },
  };
}

function planStrategy(s: UnleashStrategy, indexOf: (id: string) => number): unleash.PlannedStrategy {
  return {
    enabled: s.enabled,
    rollout: s.rollout,
    groupId: s.groupId,
    stickiness: s.stickiness,
    ...(s.variants === undefined || s.variants.length === 0
      ? {}
      : {
          variants: {
            groupId: s.variantGroupId ?? s.groupId,
            stickiness: s.variantStickiness ?? s.stickiness,
            variants: s.variants.map((v) => ({
              index: indexOf(v.id),
              weight: v.weight,
              ...(v.overrides === undefined ? {} : { overrides: v.overrides }),
            })),
          },
        }),
  };
}
