/**
 * PostHog-compatible bucketing (posthog-node local evaluation, and the PostHog server's flag matcher). See
 * `../README.md` and `shared/notes/vendors.md` §2.
 */
import { digest } from "../digest.js";

/**
 * PostHog's divisor, written `0xfffffffffffffff` (15 hex digits, 2^60 - 1) in its sources; as a double that
 * literal is exactly 2^60, which is what it divides by.
 */
export const LONG_SCALE = 2 ** 60;

/**
 * The first 60 bits of the SHA-1 of `text` (UTF-8) divided by `LONG_SCALE`, a point of [0, 1]. PostHog reads
 * the first 15 hex digits with `parseInt(…, 16)`, which rounds the 60-bit integer to the nearest double; here
 * the same integer is built from two big-endian words in one correctly rounded addition, so the two agree
 * exactly (the tests check this against BigInt on many ids).
 */
export function sha1Point(text: string): number {
  const sha1 = digest("sha1", text);
  const hi = sha1.readUInt32BE(0);
  const lo = sha1.readUInt32BE(4);
  return (hi * 268435456 + (lo >>> 4)) / LONG_SCALE;
}

/**
 * PostHog's flag hash: `SHA1(key + "." + bucketingValue + salt)` as a point of [0, 1] (`sha1Point`). The salt
 * is appended with no separator: `""` for the rollout, `"variant"` for the variant choice.
 */
export function hash(key: string, bucketingValue: string, salt = ""): number {
  return sha1Point(key + "." + bucketingValue + salt);
}

/** The holdout hash: `SHA1("holdout-" + bucketingValue)`, the same for every holdout and every flag. */
export function holdoutHash(bucketingValue: string): number {
  return sha1Point("holdout-" + bucketingValue);
}

/**
 * A condition's rollout gate: with no rollout percentage (`null`/missing) every unit passes; otherwise the
 * unit passes if `hash(key, value) <= rolloutPercentage / 100` (INCLUSIVE).
 */
export function isInRollout(
  key: string,
  bucketingValue: string,
  rolloutPercentage: number | null | undefined,
): boolean {
  if (rolloutPercentage === undefined || rolloutPercentage === null) return true;
  return !(hash(key, bucketingValue) > rolloutPercentage / 100);
}

/** A multivariate flag's variant. */
export interface Variant {
  readonly key: string;
  readonly rollout_percentage: number;
}

/** One row of the variant lookup table: the variant owns `[valueMin, valueMax)`. */
export interface VariantRange {
  readonly key: string;
  readonly valueMin: number;
  readonly valueMax: number;
}

/**
 * PostHog's variant lookup table: in declared order, `valueMax = valueMin + rollout_percentage / 100`, and the
 * next row starts at this `valueMax` (the floating-point order matters at the boundaries).
 */
export function variantLookupTable(variants: readonly Variant[]): VariantRange[] {
  const table: VariantRange[] = [];
  let valueMin = 0;
  for (const v of variants) {
    const valueMax = valueMin + v.rollout_percentage / 100;
    table.push({ key: v.key, valueMin, valueMax });
    valueMin = valueMax;
  }
  return table;
}

/** The row of `table` holding `h` (`valueMin <= h < valueMax`, STRICT `<`), or `undefined`. */
export function chooseVariant(h: number, table: readonly VariantRange[]): string | undefined {
  for (const row of table) if (h >= row.valueMin && h < row.valueMax) return row.key;
  return undefined;
}

/**
 * The variant of a unit: the first row of the lookup table with `valueMin <= hash(key, value, "variant") <
 * valueMax` (STRICT `<`), or `undefined` when no row holds the hash (percentages summing below 100, or a hash
 * of exactly 1); the flag then evaluates to `true`.
 */
export function getMatchingVariant(
  key: string,
  bucketingValue: string,
  variants: readonly Variant[],
): string | undefined {
  return chooseVariant(hash(key, bucketingValue, "variant"), variantLookupTable(variants));
}

/** A flag's holdout (`filters.holdout`). */
export interface Holdout {
  readonly id: number | string;
  readonly exclusion_percentage: number | string;
}

/**
 * The holdout variant `"holdout-<id>"` if the unit is held out, else `undefined`. The exclusion percentage is
 * clamped to 0..100; at 100 everyone is held out without hashing; otherwise the unit is held out if
 * `holdoutHash(value) <= exclusion_percentage / 100` (inclusive). Checked before any condition.
 */
export function holdoutVariant(
  holdout: Holdout | null | undefined,
  bucketingValue: string,
): string | undefined {
  if (holdout === null || holdout === undefined) return undefined;
  if (holdout.id === null || holdout.id === undefined) return undefined;
  if (holdout.exclusion_percentage === null || holdout.exclusion_percentage === undefined) return undefined;
  const raw = Number(holdout.exclusion_percentage);
  if (!Number.isFinite(raw)) return undefined;
  const pct = Math.min(Math.max(raw, 0), 100);
  if (pct !== 100 && holdoutHash(bucketingValue) > pct / 100) return undefined;
  return `holdout-${holdout.id}`;
}

/** One release condition of a flag (`filters.groups[i]`). */
export interface Condition {
  readonly properties?: readonly unknown[] | null | undefined;
  readonly rollout_percentage?: number | null | undefined;
  /** A variant override: served when the condition matches and the key names one of the flag's variants. */
  readonly variant?: string | null | undefined;
}

/** The parts of a PostHog flag definition (`/flags/definitions`) that bucketing reads. */
export interface FlagDefinition {
  readonly key: string;
  readonly active: boolean;
  readonly ensure_experience_continuity?: boolean | null | undefined;
  /** `"device_id"` buckets by the person property `$device_id` instead of the distinct id. */
  readonly bucketing_identifier?: string | null | undefined;
  readonly filters?:
    | {
        readonly groups?: readonly Condition[] | null | undefined;
        readonly multivariate?: { readonly variants: readonly Variant[] } | null | undefined;
        readonly holdout?: Holdout | null | undefined;
        readonly early_exit?: boolean | null | undefined;
        readonly aggregation_group_type_index?: number | null | undefined;
      }
    | null
    | undefined;
}

/** Who is being evaluated: the distinct id, and what group flags and device-id flags bucket by. */
export interface BucketingContext {
  readonly distinctId: string;
  /** The `$device_id` person property. */
  readonly deviceId?: string | null | undefined;
  /** Group type name → group key, e.g. `{ company: "acme" }`. */
  readonly groups?: Readonly<Record<string, string>> | undefined;
  /** Group type index (as a string) → group type name, from the flag definitions response. */
  readonly groupTypeMapping?: Readonly<Record<string, string>> | undefined;
}

/**
 * The value a flag hashes, as posthog-node picks it: for a group flag (`aggregation_group_type_index` set) the
 * key of that group (`undefined` when the group type is unknown or the group is not given: the SDK then
 * gives `false` or defers to the server); for `bucketing_identifier: "device_id"` the `$device_id`
 * (`undefined` when missing or empty: the SDK defers to the server); otherwise the distinct id.
 */
export function bucketingValueFor(flag: FlagDefinition, context: BucketingContext): string | undefined {
  const index = flag.filters?.aggregation_group_type_index;
  if (index !== undefined && index !== null) {
    const groupName = context.groupTypeMapping?.[String(index)];
    if (!groupName || !context.groups || !Object.hasOwn(context.groups, groupName)) return undefined;
    return context.groups[groupName];
  }
  if (flag.bucketing_identifier === "device_id") {
    const device = context.deviceId;
    return device === null || device === undefined || device === "" ? undefined : device;
  }
  return context.distinctId;
}

/** Tells whether condition `index` of the flag matches the unit's properties (only called for conditions that have property filters). */
export type ConditionMatcher = (condition: Condition, index: number) => boolean;

/**
 * A flag compiled for local evaluation of one bucketing value (the distinct id, the `$device_id` for
 * `bucketing_identifier: "device_id"`, or the group key for group flags): inactive → `false`; holdout first;
 * then conditions in order (OR): properties (through `matches`), the inclusive rollout, then the condition's
 * variant override or the variant table (strict `<`), or `true` for a boolean flag; `early_exit` stops at the
 * first condition that is out of its rollout. Returns the variant key, `true`, or `false`.
 *
 * Not reproducible here (`../README.md`): experience continuity (hash-key overrides live in PostHog's
 * database; `compileFlag` throws for an active flag that has it), cohorts, property filters and flag
 * dependencies (supply `matches`), and conditions aggregated by another group type than the flag's.
 */
export class CompiledFlag {
  readonly key: string;
  private readonly active: boolean;
  private readonly conditions: readonly Condition[];
  private readonly table: VariantRange[];
  private readonly variantKeys: ReadonlySet<string>;
  private readonly holdout: Holdout | null;
  private readonly earlyExit: boolean;

  constructor(flag: FlagDefinition) {
    // (an inactive flag is simply false, as in the SDK, which checks `active` first)
    if (flag.active && flag.ensure_experience_continuity) {
      throw new Error(`flag ${flag.key}: experience continuity needs PostHog's stored hash-key overrides`);
    }
    this.key = flag.key;
    this.active = flag.active;
    const filters = flag.filters ?? {};
    this.conditions = filters.groups ?? [];
    const variants = filters.multivariate?.variants ?? [];
    this.table = variantLookupTable(variants);
    this.variantKeys = new Set(variants.map((v) => v.key));
    this.holdout = filters.holdout ?? null;
    this.earlyExit = filters.early_exit ?? false;
  }

  /** The flag's value for one bucketing value; see the class comment. */
  evaluate(bucketingValue: string, matches?: ConditionMatcher): string | boolean {
    if (!this.active) return false;
    const held = holdoutVariant(this.holdout, bucketingValue);
    if (held !== undefined) return held;
    let rolloutHash: number | undefined;
    for (let i = 0; i < this.conditions.length; i++) {
      const condition = this.conditions[i]!;
      const hasProperties = (condition.properties ?? []).length > 0;
      if (hasProperties) {
        if (!matches)
          throw new Error(`flag ${this.key}: condition ${i} has property filters; pass a matcher`);
        if (!matches(condition, i)) continue;
      }
      const pct = condition.rollout_percentage;
      if (pct !== undefined && pct !== null) {
        rolloutHash ??= hash(this.key, bucketingValue);
        if (rolloutHash > pct / 100) {
          if (this.earlyExit) return false;
          continue;
        }
      }
      const override = condition.variant;
      if (override && this.variantKeys.has(override)) return override;
      return chooseVariant(hash(this.key, bucketingValue, "variant"), this.table) ?? true;
    }
    return false;
  }
}

/** Compiles one flag definition; see `CompiledFlag`. */
export function compileFlag(flag: FlagDefinition): CompiledFlag {
  return new CompiledFlag(flag);
}
