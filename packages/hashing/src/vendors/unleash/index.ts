/**
 * Unleash-compatible bucketing, as the Node SDK (`unleash-client`) computes it. See `../README.md` and
 * `shared/notes/vendors.md` §5.
 */
import { murmur3LowBytes } from "../murmur3.js";

/** murmur3 seed of strategy (rollout) hashing. */
export const STRATEGY_SEED = 0;
/** murmur3 seed of variant hashing (introduced so that rollout and variant are not correlated). */
export const VARIANT_SEED = 86028157;

/**
 * The Node SDK's string hash: murmur3 x86_32 over the LOW BYTE of every UTF-16 code unit (the
 * `murmurhash3js` package's handling of strings). Equals UTF-8 murmur3 for ASCII only: for `"user:Jørgen"`
 * it gives 4009276681 where a UTF-8 murmur3 (Unleash's Go, Rust/Yggdrasil-based SDKs) gives 4032802330.
 */
export function murmur3(text: string, seed: number): number {
  return murmur3LowBytes(text, seed);
}

/**
 * `murmur3(groupId + ":" + id, seed) % normalizer + 1`, in 1..normalizer. `id` and `groupId` are stringified
 * the way a JS template literal does (`undefined` becomes `"undefined"`, as it does in the SDK).
 */
export function normalizedValue(
  id: string | number,
  groupId: string | undefined,
  normalizer: number,
  seed = STRATEGY_SEED,
): number {
  return (murmur3(`${groupId}:${id}`, seed) % normalizer) + 1;
}

/** The rollout value of a unit, 1..100 (seed 0). A strategy enables it when `value <= rollout`. */
export function normalizedStrategyValue(id: string | number, groupId: string | undefined): number {
  return normalizedValue(id, groupId, 100, STRATEGY_SEED);
}

/** The variant target of a unit, 1..normalizer (the total weight; 1000 when the server normalised it), seed 86028157. */
export function normalizedVariantValue(
  id: string | number,
  groupId: string | undefined,
  normalizer: number,
): number {
  return normalizedValue(id, groupId, normalizer, VARIANT_SEED);
}

/** An Unleash context. Custom fields live in `properties`. */
export interface Context {
  readonly userId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly remoteAddress?: string | undefined;
  readonly environment?: string | undefined;
  readonly appName?: string | undefined;
  readonly featureToggle?: string | undefined;
  readonly properties?: Readonly<Record<string, string | number | undefined>> | undefined;
  readonly [field: string]: unknown;
}

/** A context field: the top-level field, else `properties[field]`, stringified; `undefined` when missing or null. */
export function resolveContextValue(context: Context, field: string): string | undefined {
  const value = context[field] ?? context.properties?.[field];
  return value !== undefined && value !== null ? String(value) : undefined;
}

/** Source of the SDK's random stickiness (non-deterministic by design; tests can pass their own). */
export type RandomSource = () => string;

const rolloutRandom: RandomSource = () => `${Math.round(Math.random() * 10000) + 1}`;
const variantRandom: RandomSource = () => String(Math.round(Math.random() * 100000));

/** Parameters of a `flexibleRollout` strategy (as the API sends them: strings). */
export interface FlexibleRolloutParameters {
  readonly rollout?: string | number | undefined;
  readonly stickiness?: string | undefined;
  readonly groupId?: string | undefined;
  readonly [name: string]: unknown;
}

/**
 * The `flexibleRollout` strategy: `groupId = parameters.groupId || context.featureToggle || ""` (the Node SDK
 * never fills `featureToggle` itself, so a strategy without a group id hashes `":" + id`); stickiness
 * `default` is `userId || sessionId || random`, `random` is random, any other name is that context field
 * (missing → disabled). Enabled when `rollout > 0 && normalizedStrategyValue(stickinessId, groupId) <= rollout`
 * (INCLUSIVE).
 */
export function isFlexibleRolloutEnabled(
  parameters: FlexibleRolloutParameters,
  context: Context,
  random: RandomSource = rolloutRandom,
): boolean {
  const groupId = parameters.groupId || context.featureToggle || "";
  const percentage = Number(parameters.rollout);
  const stickiness = parameters.stickiness || "default";
  let id: string | undefined;
  if (stickiness === "default") id = context.userId || context.sessionId || random();
  else if (stickiness === "random") id = random();
  else id = resolveContextValue(context, stickiness);
  if (!id) return false;
  return percentage > 0 && normalizedStrategyValue(id, groupId) <= percentage;
}

/**
 * The legacy `gradualRolloutUserId` strategy: needs a `userId`; enabled when
 * `percentage > 0 && normalizedStrategyValue(userId, groupId || "") <= percentage`.
 */
export function isGradualRolloutUserIdEnabled(
  parameters: { readonly percentage?: string | number | undefined; readonly groupId?: string | undefined },
  context: Context,
): boolean {
  if (!context.userId) return false;
  const percentage = Number(parameters.percentage);
  return percentage > 0 && normalizedStrategyValue(context.userId, parameters.groupId || "") <= percentage;
}

/** A variant definition (feature-level or strategy-level). */
export interface VariantDefinition {
  readonly name: string;
  readonly weight: number;
  readonly stickiness?: string | undefined;
  readonly payload?: { readonly type: string; readonly value: string } | undefined;
  readonly overrides?:
    | readonly { readonly contextName: string; readonly values: readonly string[] }[]
    | undefined;
}

function variantSeed(context: Context, stickiness: string | undefined, random: RandomSource): string {
  if (stickiness !== undefined && stickiness !== "default") {
    return resolveContextValue(context, stickiness) || random();
  }
  for (const key of ["userId", "sessionId", "remoteAddress"] as const) {
    const value = context[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return random();
}

/**
 * The SDK's variant choice: a total weight of 0 → `null`; an override whose context field matches wins;
 * otherwise `target = normalizedVariantValue(seed, groupId, totalWeight)` (seed: the stickiness field, or
 * `userId | sessionId | remoteAddress`, else random) and the first variant, skipping weight 0, whose running
 * sum of weights reaches the target (`counter >= target`).
 */
export function selectVariantDefinition<V extends VariantDefinition>(
  groupId: string | undefined,
  stickiness: string | undefined,
  variants: readonly V[],
  context: Context,
  random: RandomSource = variantRandom,
): V | null {
  let total = 0;
  for (const v of variants) total += v.weight;
  if (total <= 0) return null;
  for (const v of variants) {
    if (!v.overrides) continue;
    for (const o of v.overrides) {
      const value = resolveContextValue(context, o.contextName);
      if (o.values.some((x) => x === value)) return v;
    }
  }
  const target = normalizedVariantValue(variantSeed(context, stickiness, random), groupId, total);
  let counter = 0;
  for (const v of variants) {
    if (v.weight === 0) continue;
    counter += v.weight;
    if (counter >= target) return v;
  }
  return null;
}

/** A strategy of a feature. `constraints` and `segments` are not evaluated here (see `evaluateFeature`). */
export interface StrategyDefinition {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  readonly constraints?: readonly unknown[] | undefined;
  readonly segments?: readonly unknown[] | undefined;
  readonly variants?: readonly VariantDefinition[] | undefined;
}

/** A feature toggle as the client API sends it. */
export interface FeatureDefinition {
  readonly name: string;
  readonly enabled: boolean;
  readonly strategies?: readonly StrategyDefinition[] | undefined;
  readonly variants?: readonly VariantDefinition[] | undefined;
  readonly dependencies?: readonly unknown[] | undefined;
}

/** The result of `getVariant`, as the SDK shapes it. */
export interface VariantResult {
  readonly name: string;
  readonly enabled: boolean;
  readonly feature_enabled: boolean;
  readonly payload?: { readonly type: string; readonly value: string } | undefined;
}

/** Decides a strategy's constraints and segments (targeting, not hashing); called only when it has any. */
export type ConstraintMatcher = (strategy: StrategyDefinition, context: Context) => boolean;

/** Options of `evaluateFeature`. */
export interface EvaluateOptions {
  readonly constraints?: ConstraintMatcher | undefined;
  /** Random source for `random` / missing stickiness (the SDK's own by default). */
  readonly random?: RandomSource | undefined;
}

/**
 * A feature's `isEnabled` and `getVariant` as the Node SDK computes them, for the hash-based strategies
 * (`default`, `flexibleRollout`, `gradualRolloutUserId`): strategies in order, the first enabled one wins; a
 * feature with an empty strategy list is enabled (one without a list is disabled); strategy variants
 * (groupId = `parameters.groupId`, stickiness = `variants[0].stickiness || parameters.stickiness`) beat
 * feature variants (groupId = the feature name, stickiness = `variants[0].stickiness`). Throws on other
 * strategies, on dependencies, and on constraints or segments without `options.constraints`.
 */
export function evaluateFeature(
  feature: FeatureDefinition | undefined,
  context: Context,
  options: EvaluateOptions = {},
): { readonly enabled: boolean; readonly variant: VariantResult } {
  const disabled = (featureEnabled: boolean): VariantResult => ({
    name: "disabled",
    enabled: false,
    feature_enabled: featureEnabled,
  });
  if (!feature?.enabled) return { enabled: false, variant: disabled(false) };
  if (feature.dependencies?.length) throw new Error(`unleash: feature ${feature.name} has dependencies`);
  // a malformed feature (strategies not an array) is disabled, as in the SDK
  if (!Array.isArray(feature.strategies)) return { enabled: false, variant: disabled(false) };
  const strategies = feature.strategies;
  let enabled = strategies.length === 0;
  let strategyVariant: VariantDefinition | null = null;
  for (const strategy of strategies) {
    if (!strategyEnabled(strategy, context, feature.name, options)) continue;
    enabled = true;
    const variants = strategy.variants ?? [];
    if (variants.length > 0) {
      const parameters = (strategy.parameters ?? {}) as FlexibleRolloutParameters;
      const stickiness = variants[0]!.stickiness || parameters.stickiness;
      strategyVariant = selectVariantDefinition(
        parameters.groupId,
        stickiness,
        variants,
        context,
        options.random,
      );
    }
    break;
  }
  if (!enabled) return { enabled, variant: disabled(false) };
  const chosen =
    strategyVariant ??
    selectVariantDefinition(
      feature.name,
      feature.variants?.[0]?.stickiness,
      feature.variants ?? [],
      context,
      options.random,
    );
  if (!chosen) return { enabled, variant: disabled(true) };
  return {
    enabled,
    variant: { name: chosen.name, enabled: true, feature_enabled: true, payload: chosen.payload },
  };
}

function strategyEnabled(
  strategy: StrategyDefinition,
  context: Context,
  featureName: string,
  options: EvaluateOptions,
): boolean {
  if (strategy.constraints?.length || strategy.segments?.length) {
    if (!options.constraints) {
      throw new Error(
        `unleash: feature ${featureName} has constraints or segments; pass options.constraints`,
      );
    }
    if (!options.constraints(strategy, context)) return false;
  }
  const parameters = strategy.parameters ?? {};
  switch (strategy.name) {
    case "default":
      return true;
    case "flexibleRollout":
      return isFlexibleRolloutEnabled(parameters as FlexibleRolloutParameters, context, options.random);
    case "gradualRolloutUserId":
      return isGradualRolloutUserIdEnabled(parameters as { percentage?: string; groupId?: string }, context);
    default:
      throw new Error(`unleash: feature ${featureName} uses strategy ${strategy.name}, not a hash-based one`);
  }
}

export {
  evaluatePlan,
  type FeaturePlan,
  NO_VARIANT,
  NOT_ENABLED,
  overrideCode,
  overrideIndex,
  type PlannedStrategy,
  type PlannedVariant,
  type PlannedVariants,
  RANDOM,
} from "./strategies.js";
