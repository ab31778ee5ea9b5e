import {
  compileTargeting,
  type ExperimentContext,
  type FeatureFlagPlugin,
  type FlagDefinition,
  type TargetingPredicate,
} from "@assay/core";
import { FLAG_VALUE_SEED, independentPoint, ROLLOUT_SEED } from "@assay/hashing";

/** The value `variant` returns for a boolean flag that is on / off. */
export const ON = "on";
export const OFF = "off";

interface CompiledFlag {
  readonly definition: FlagDefinition;
  readonly namespace: string;
  readonly targeting: TargetingPredicate | undefined;
  /** Cumulative value weights over their total (string flags); the last is exactly 1. */
  readonly ends: readonly number[];
  readonly values: readonly string[];
}

export interface LocalFlagsOptions {
  readonly name?: string;
  readonly flags: readonly FlagDefinition[];
}

/**
 * Feature flags evaluated locally from their manifest declarations. A flag is on for a unit when it is
 * enabled (the kill switch), the unit passes its targeting, and the unit's rollout point is below `rollout`.
 * The point is murmur3 of `key:unit` (or `salt:unit`) with the rollout seed: unrelated to any experiment's
 * hash, and stable, so raising `rollout` only adds units. A string flag then picks its value with a second,
 * independent point over the values' weights; units without the flag get `off` (or the caller's fallback).
 * A rollout of 1 holds every unit, anonymous ones too; below 1 a unit without the flag's unit id is off.
 * Nothing is recorded: flags never emit analytics.
 */
export class LocalFlagBackend implements FeatureFlagPlugin {
  readonly name: string;
  private readonly flags = new Map<string, CompiledFlag>();

  constructor(options: LocalFlagsOptions) {
    this.name = options.name ?? "flags-local";
    for (const definition of options.flags) {
      if (this.flags.has(definition.key)) throw new RangeError(`flag ${definition.key} is declared twice`);
      const weights = definition.variants ?? [];
      const total = weights.reduce((sum, v) => sum + v.weight, 0);
      let cumulative = 0;
      const ends = weights.map((v, i) => {
        cumulative += v.weight;
        return i === weights.length - 1 ? 1 : cumulative / total;
      });
      this.flags.set(definition.key, {
        definition,
        namespace: definition.salt ?? definition.key,
        targeting: definition.targeting === undefined ? undefined : compileTargeting(definition.targeting),
        ends,
        values: weights.map((v) => v.id),
      });
    }
  }

  isEnabled(flag: string, ctx: ExperimentContext): boolean {
    const compiled = this.flags.get(flag);
    return compiled !== undefined && this.on(compiled, ctx);
  }

  variant(flag: string, ctx: ExperimentContext, fallback: string): string {
    const compiled = this.flags.get(flag);
    if (compiled === undefined) return fallback;
    const on = this.on(compiled, ctx);
    if (compiled.values.length === 0) return on ? ON : OFF;
    if (!on) return compiled.definition.off ?? fallback;
    const unit = unitOf(compiled.definition, ctx) ?? "";
    const point = independentPoint(compiled.namespace, unit, FLAG_VALUE_SEED);
    const ends = compiled.ends;
    for (let i = 0; i < ends.length; i++)
      if (point < ends[i]! && ends[i]! > (ends[i - 1] ?? 0)) return compiled.values[i]!;
    return compiled.values[compiled.values.length - 1]!;
  }

  /** The declared flag keys, in manifest order. */
  keys(): string[] {
    return [...this.flags.keys()];
  }

  private on(compiled: CompiledFlag, ctx: ExperimentContext): boolean {
    const flag = compiled.definition;
    if (!flag.enabled || typeof ctx !== "object" || ctx === null) return false;
    if (compiled.targeting !== undefined && !compiled.targeting(ctx)) return false;
    if (flag.rollout >= 1) return true;
    if (flag.rollout <= 0) return false;
    const unit = unitOf(flag, ctx);
    if (unit === undefined) return false;
    return independentPoint(compiled.namespace, unit, ROLLOUT_SEED) < flag.rollout;
  }
}

function unitOf(flag: FlagDefinition, ctx: ExperimentContext): string | undefined {
  const unit =
    flag.unit === "user"
      ? ctx.userId
      : flag.unit === "session"
        ? ctx.sessionId
        : (ctx.attributes as Readonly<Record<string, unknown>> | undefined)?.[flag.unit];
  return typeof unit === "string" && unit.length > 0 ? unit : undefined;
}
