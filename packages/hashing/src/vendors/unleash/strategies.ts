/**
 * A toggle's strategies evaluated in order, as unleash-client (Node) evaluates `getVariant`: the first strategy
 * whose constraints hold and whose rollout enables the context decides; its own variants (if any weigh more
 * than 0) beat the toggle's. Variants are referred to by index (the caller's declared order), so the answer is
 * a number and evaluating allocates nothing beyond what the caller's matcher does.
 */
import {
  type Context,
  normalizedStrategyValue,
  normalizedVariantValue,
  resolveContextValue,
} from "./index.js";

/** No strategy enabled the context (the SDK's `isEnabled` is false). */
export const NOT_ENABLED = -1;
/** A strategy enabled the context but no variant is served (the SDK's variant `disabled`, `feature_enabled: true`). */
export const NO_VARIANT = -2;
/** The SDK would decide at random here (`random` stickiness, or no value for the stickiness): nobody can reproduce it. */
export const RANDOM = -3;
const OVERRIDE_BASE = -4;

/** The code of "variant `index` served by an override" (an override is targeting, not a hash). */
export function overrideCode(index: number): number {
  return OVERRIDE_BASE - index;
}

/** The variant index of an override code, or -1 when `code` is not one. */
export function overrideIndex(code: number): number {
  return code <= OVERRIDE_BASE ? OVERRIDE_BASE - code : -1;
}

/** A variant of a plan: the caller's index, its weight, and the overrides that serve it. */
export interface PlannedVariant {
  readonly index: number;
  readonly weight: number;
  readonly overrides?: readonly { readonly field: string; readonly values: readonly string[] }[] | undefined;
}

/** A variant list with the group and stickiness the SDK hashes it with. */
export interface PlannedVariants {
  readonly variants: readonly PlannedVariant[];
  readonly groupId: string;
  /** `default` (userId, else sessionId, else random) or a context field / property name. */
  readonly stickiness: string;
}

/** One strategy, reduced to what decides it: enabled at all, rollout, and its variants. */
export interface PlannedStrategy {
  /** False for a strategy the SDK never enables (unknown to it, or a segment it does not have). */
  readonly enabled: boolean;
  /** Percentage 0..100 (`default` is 100). */
  readonly rollout: number;
  /** The rollout hash's group: `parameters.groupId || ""` in the Node SDK. */
  readonly groupId: string;
  /** `default`, `random`, or a context field / property name. */
  readonly stickiness: string;
  /** The strategy's own variants; absent or empty: the toggle's. */
  readonly variants?: PlannedVariants | undefined;
}

/** A toggle: its strategies in order (an empty list enables everyone, as the SDK) and its own variants. */
export interface FeaturePlan {
  readonly strategies: readonly PlannedStrategy[];
  readonly variants?: PlannedVariants | undefined;
}

/**
 * The SDK's answer for `context`: a variant index (>= 0, chosen by the hash), an {@link overrideCode}, or
 * {@link NOT_ENABLED}, {@link NO_VARIANT}, {@link RANDOM}. `matches(i)` says whether strategy `i`'s constraints
 * and segments hold (called only for enabled strategies, in order, before the rollout, as the SDK does).
 */
export function evaluatePlan(
  plan: FeaturePlan,
  context: Context,
  matches: (strategy: number) => boolean,
): number {
  const strategies = plan.strategies;
  for (let i = 0; i < strategies.length; i++) {
    const strategy = strategies[i]!;
    if (!strategy.enabled || !matches(i)) continue;
    const rollout = rolloutEnables(strategy, context);
    if (rollout === RANDOM) return RANDOM;
    if (rollout === NOT_ENABLED) continue;
    if (strategy.variants !== undefined && strategy.variants.variants.length > 0) {
      const chosen = selectVariant(strategy.variants, context);
      // a strategy whose variants all weigh 0 serves the toggle's variants, as the SDK
      if (chosen !== NO_VARIANT) return chosen;
    }
    return plan.variants === undefined ? NO_VARIANT : selectVariant(plan.variants, context);
  }
  if (strategies.length === 0)
    return plan.variants === undefined ? NO_VARIANT : selectVariant(plan.variants, context);
  return NOT_ENABLED;
}

/** 0 when the strategy's rollout enables the context, else NOT_ENABLED or RANDOM. */
function rolloutEnables(strategy: PlannedStrategy, context: Context): number {
  const percentage = strategy.rollout;
  const stickiness = strategy.stickiness;
  let id: string | undefined;
  if (stickiness === "default" || stickiness === "random") {
    // the SDK draws a random id, but 0 and 100 decide without it
    if (!(percentage > 0)) return NOT_ENABLED;
    if (percentage >= 100) return 0;
    id = stickiness === "default" ? context.userId || context.sessionId || undefined : undefined;
    if (id === undefined) return RANDOM;
  } else {
    id = resolveContextValue(context, stickiness);
    if (!id) return NOT_ENABLED;
    if (!(percentage > 0)) return NOT_ENABLED;
  }
  return normalizedStrategyValue(id, strategy.groupId) <= percentage ? 0 : NOT_ENABLED;
}

/** `selectVariantDefinition`: NO_VARIANT for a total weight of 0, an override, the hashed variant, or RANDOM. */
function selectVariant(planned: PlannedVariants, context: Context): number {
  const variants = planned.variants;
  let total = 0;
  for (let i = 0; i < variants.length; i++) total += variants[i]!.weight;
  if (total <= 0) return NO_VARIANT;
  for (let i = 0; i < variants.length; i++) {
    const overrides = variants[i]!.overrides;
    if (overrides === undefined) continue;
    for (const o of overrides) {
      const value = resolveContextValue(context, o.field);
      if (o.values.some((x) => x === value)) return overrideCode(variants[i]!.index);
    }
  }
  const seed = variantSeed(planned.stickiness, context);
  if (seed === undefined) return RANDOM;
  const target = normalizedVariantValue(seed, planned.groupId, total);
  let counter = 0;
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i]!;
    if (v.weight === 0) continue;
    counter += v.weight;
    if (counter >= target) return v.index;
  }
  return NO_VARIANT;
}

/** The variant hash's id: the stickiness field, or `userId | sessionId | remoteAddress`; undefined: random. */
function variantSeed(stickiness: string, context: Context): string | undefined {
  if (stickiness !== "default") return resolveContextValue(context, stickiness) || undefined;
  for (const key of ["userId", "sessionId", "remoteAddress"] as const) {
    const value = context[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}
