/**
 * Optimizely-compatible bucketing (`@optimizely/optimizely-sdk`, the bucketer every Optimizely Full Stack /
 * Feature Experimentation SDK shares). See `../README.md` and `shared/notes/vendors.md` §4.
 */
import { murmur3Utf8 } from "../murmur3.js";

/** murmur3 seed used by Optimizely. */
export const HASH_SEED = 1;
/** Size of Optimizely's bucket space: bucket values are 0..9999. */
export const MAX_TRAFFIC_VALUE = 10000;
const MAX_HASH_VALUE = 4294967296;

/**
 * Optimizely's bucket value of a bucketing key: `floor(murmur3_x86_32(utf8(key), seed 1) / 2^32 * 10000)`,
 * in 0..9999 (the division and product in that order, as the SDK computes them).
 */
export function bucketValue(bucketingKey: string): number {
  return Math.floor((murmur3Utf8(bucketingKey, HASH_SEED) / MAX_HASH_VALUE) * MAX_TRAFFIC_VALUE);
}

/** The bucket value of a unit in an experiment (or a group): the key is `bucketingId + entityId`, no separator. */
export function bucketValueFor(bucketingId: string, entityId: string): number {
  return bucketValue(bucketingId + entityId);
}

/** One traffic allocation entry: bucket values below `endOfRange` (and at or above the previous one) go to `entityId`. */
export interface TrafficAllocation {
  readonly entityId: string;
  readonly endOfRange: number;
}

/**
 * The entity of the first allocation with `value < endOfRange` (exclusive end), or `null` when the value is
 * past every end (not in traffic). An empty `entityId` is a traffic hole: it is returned as `""`.
 */
export function findBucket(value: number, allocations: readonly TrafficAllocation[]): string | null {
  for (const a of allocations) if (value < a.endOfRange) return a.entityId;
  return null;
}

/** The parts of a datafile experiment that bucketing reads. */
export interface DatafileExperiment {
  readonly id: string;
  readonly key: string;
  readonly status?: string | undefined;
  readonly variations: readonly { readonly id: string; readonly key: string }[];
  readonly trafficAllocation: readonly TrafficAllocation[];
  readonly forcedVariations?: Readonly<Record<string, string>> | undefined;
  readonly groupId?: string | undefined;
}

/** A datafile group (mutually exclusive experiments when `policy` is `"random"`). */
export interface DatafileGroup {
  readonly id: string;
  readonly policy: string;
  readonly trafficAllocation: readonly TrafficAllocation[];
  readonly experiments: readonly DatafileExperiment[];
}

/** The parts of an Optimizely datafile that bucketing reads. */
export interface Datafile {
  readonly experiments: readonly DatafileExperiment[];
  readonly groups?: readonly DatafileGroup[] | undefined;
}

/**
 * An experiment of a datafile compiled for bucketing. `bucket(bucketingId)` reproduces the SDK's bucketer:
 * in a `random` group the unit must first be bucketed into this experiment with `bucketingId + group.id`;
 * then `bucketingId + experiment.id` picks a variation through the traffic allocation; an entity that is not
 * a variation of the experiment (a hole) gives `null`. `variation(userId)` adds the experiment status
 * (`Running` only) and the datafile's whitelist (`forcedVariations`), which comes before bucketing.
 *
 * The bucketing id is `attributes.$opt_bucketing_id` when that is a string, else the user id. Not
 * reproducible here: audiences, `setForcedVariation`, user profile service maps, CMAB experiments, holdouts
 * and delivery-rule fall-through (`../README.md`).
 */
export class CompiledExperiment {
  readonly id: string;
  readonly key: string;
  private readonly running: boolean;
  private readonly allocation: readonly TrafficAllocation[];
  private readonly variationKeys: ReadonlyMap<string, string>;
  private readonly variationKeySet: ReadonlySet<string>;
  private readonly forced: Readonly<Record<string, string>>;
  private readonly group: DatafileGroup | null;

  constructor(datafile: Datafile, experimentKey: string) {
    let experiment: DatafileExperiment | undefined = datafile.experiments.find(
      (e) => e.key === experimentKey,
    );
    let group: DatafileGroup | null = null;
    for (const g of datafile.groups ?? []) {
      const found = g.experiments.find((e) => e.key === experimentKey);
      if (found) {
        experiment = { ...found, groupId: g.id };
        group = g;
      }
    }
    if (!experiment) throw new Error(`optimizely: no experiment ${experimentKey} in the datafile`);
    if (!group && experiment.groupId) {
      group = datafile.groups?.find((g) => g.id === experiment.groupId) ?? null;
      if (!group) throw new Error(`optimizely: experiment ${experimentKey} names an unknown group`);
    }
    this.id = experiment.id;
    this.key = experiment.key;
    this.running = experiment.status === "Running";
    this.allocation = experiment.trafficAllocation;
    this.variationKeys = new Map(experiment.variations.map((v) => [v.id, v.key]));
    this.variationKeySet = new Set(this.variationKeys.values());
    this.forced = experiment.forcedVariations ?? {};
    this.group = group && group.policy === "random" ? group : null;
  }

  /** The variation key the bucketer gives `bucketingId`, or `null` (other experiment of the group, not in traffic, a hole). */
  bucket(bucketingId: string): string | null {
    if (this.group) {
      const experimentId = findBucket(bucketValue(bucketingId + this.group.id), this.group.trafficAllocation);
      if (experimentId !== this.id) return null;
    }
    const entityId = findBucket(bucketValue(bucketingId + this.id), this.allocation);
    if (entityId === null) return null;
    return this.variationKeys.get(entityId) ?? null;
  }

  /**
   * The variation key of a user as `getVariation`/`decide` give it without audiences or stored profiles:
   * `null` if the experiment is not running; the whitelist entry for `userId` if any; else `bucket`.
   */
  variation(userId: string, bucketingId: string = userId): string | null {
    if (!this.running) return null;
    const forced = Object.hasOwn(this.forced, userId) ? this.forced[userId] : undefined;
    if (forced !== undefined && this.variationKeySet.has(forced)) return forced;
    return this.bucket(bucketingId);
  }
}

/** Compiles one experiment of a datafile; see `CompiledExperiment`. */
export function compileExperiment(datafile: Datafile, experimentKey: string): CompiledExperiment {
  return new CompiledExperiment(datafile, experimentKey);
}

export {
  type AllocationRange,
  type AllocationSpec,
  CompiledAllocation,
  compileAllocation,
  type PriorExperiment,
  type RandomGroup,
} from "./allocation.js";
