/**
 * Optimizely's bucketing written without a datafile: what a manifest's `optimizely` mode holds (the experiment
 * id, its traffic allocation with holes and repeated variations, the random group it belongs to, and the
 * datafile's allowlist), compiled to variant indexes. The order is the SDK's `getVariation` after the status
 * and audience checks: allowlist, then the group's own hash, then the experiment's.
 */
import { murmur3Utf8 } from "../murmur3.js";

const MAX_HASH_VALUE = 4294967296;
const MAX_TRAFFIC_VALUE = 10000;

/** One range of an allocation: bucket values from the previous `end` up to `end` (exclusive) go to `to`, or to nobody when `to` is null. */
export interface AllocationRange<T> {
  readonly to: T | null;
  readonly end: number;
}

/** A mutually exclusive group (`policy: "random"`): units hashed with `bucketingId + id` land in one experiment id, or none. */
export interface RandomGroup {
  readonly id: string;
  readonly allocation: readonly AllocationRange<string>[];
}

/** What `compileAllocation` takes: variants are indexes (0-based, declared order) so the caller keeps its own ids. */
export interface AllocationSpec {
  /** The experiment id (the datafile's digits): the bucketing key is `bucketingId + experimentId`. */
  readonly experimentId: string;
  /** The experiment's traffic allocation in datafile order: holes (`to: null`) and several ranges per variant allowed. */
  readonly allocation: readonly AllocationRange<number>[];
  /** The random group the experiment is in, if any. */
  readonly group?: RandomGroup | undefined;
  /** The datafile's `forcedVariations`: user id -> variant index, served before any hashing. */
  readonly allowlist?: ReadonlyMap<string, number> | undefined;
  /** Experiments `decide` tries first (a flag's experiments before its delivery rules): units they serve are out. */
  readonly after?: readonly PriorExperiment[] | undefined;
}

/** An experiment tried before this one, reduced to who it serves (its variations do not matter here). */
export interface PriorExperiment {
  readonly experimentId: string;
  /** The bucket ranges `[start, end)` of its allocation that serve one of its variations. */
  readonly served: readonly (readonly [number, number])[];
  readonly group?: RandomGroup | undefined;
  /** The user ids its allowlist serves. */
  readonly allowlist?: ReadonlySet<string> | undefined;
  /** Its audiences, on the context `bucket` is given: it serves (beyond its allowlist) only where this holds. */
  readonly matches?: ((context: unknown) => boolean) | undefined;
}

/** Whether a prior experiment serves the unit: its allowlist, else its group's and its own hash. */
function serves(prior: PriorExperiment, bucketingId: string, userId: string, context: unknown): boolean {
  if (prior.allowlist?.has(userId)) return true;
  if (prior.matches !== undefined && !prior.matches(context)) return false;
  const group = prior.group;
  if (group !== undefined && find(bucketOf(bucketingId + group.id), group.allocation) !== prior.experimentId)
    return false;
  const value = bucketOf(bucketingId + prior.experimentId);
  for (const [start, end] of prior.served) if (value >= start && value < end) return true;
  return false;
}

/** `floor(murmur3_x86_32(utf8(key), 1) / 2^32 * 10000)`, as `bucketValue` in `./index.ts`. */
function bucketOf(key: string): number {
  return Math.floor((murmur3Utf8(key, 1) / MAX_HASH_VALUE) * MAX_TRAFFIC_VALUE);
}

/** The target of the first range with `value < end`, or null (a hole, or past every end). */
function find<T>(value: number, ranges: readonly AllocationRange<T>[]): T | null {
  for (let i = 0; i < ranges.length; i++) if (value < ranges[i]!.end) return ranges[i]!.to;
  return null;
}

/**
 * Compiled Optimizely bucketing of one experiment. `bucket(bucketingId, userId)` returns the variant index or
 * -1: -1 when an experiment tried before (`after`) serves the unit (its audiences read `context`, the caller's); then the allowlist entry of `userId` first (the SDK keys it by user id, not by bucketing id); then, in a
 * random group, `bucketingId + group.id` must land on this experiment; then `bucketingId + experimentId`
 * picks a range of the allocation, a hole giving -1.
 */
export class CompiledAllocation {
  private readonly experimentId: string;
  private readonly ends: Float64Array;
  private readonly targets: Int32Array;
  private readonly group: RandomGroup | undefined;
  private readonly allowlist: ReadonlyMap<string, number> | undefined;
  private readonly after: readonly PriorExperiment[];

  constructor(spec: AllocationSpec) {
    this.experimentId = spec.experimentId;
    this.ends = Float64Array.from(spec.allocation, (r) => r.end);
    this.targets = Int32Array.from(spec.allocation, (r) => (r.to === null ? -1 : r.to));
    this.group = spec.group;
    this.allowlist = spec.allowlist !== undefined && spec.allowlist.size > 0 ? spec.allowlist : undefined;
    this.after = spec.after ?? [];
  }

  bucket(bucketingId: string, userId: string = bucketingId, context?: unknown): number {
    for (let i = 0; i < this.after.length; i++)
      if (serves(this.after[i]!, bucketingId, userId, context)) return -1;
    if (this.allowlist !== undefined) {
      const forced = this.allowlist.get(userId);
      if (forced !== undefined) return forced;
    }
    const group = this.group;
    if (group !== undefined && find(bucketOf(bucketingId + group.id), group.allocation) !== this.experimentId)
      return -1;
    const value = bucketOf(bucketingId + this.experimentId);
    const ends = this.ends;
    for (let i = 0; i < ends.length; i++) if (value < ends[i]!) return this.targets[i]!;
    return -1;
  }
}

/** Compiles an `AllocationSpec`; see `CompiledAllocation`. */
export function compileAllocation(spec: AllocationSpec): CompiledAllocation {
  return new CompiledAllocation(spec);
}
