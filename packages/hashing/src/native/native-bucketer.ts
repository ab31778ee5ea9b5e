import { fmix32, fmix32Int32, fnv1a32, fnv1a32Continue, fnv1a32ContinueInt32 } from "./fnv1a.js";
import { type BucketRange, variantRanges } from "./ranges.js";

const TWO_POW_32 = 4294967296;

/**
 * Assay's native hash of one key: FNV-1a 32 over the UTF-8 bytes, finished with fmix32, as a uint32.
 * The key of a unit is `[salt + ":"] + experiment + ":" + unit`.
 */
export function nativeHash(key: string): number {
  return fmix32(fnv1a32(key));
}

/** The native hash as a point of [0, 1): `nativeHash(key) / 2^32`. */
export function nativeUnitPoint(key: string): number {
  return nativeHash(key) / TWO_POW_32;
}

/** The hash key of a unit in an experiment, as the native algorithm defines it. */
export function nativeKey(experiment: string, unit: string, salt?: string): string {
  return (salt === undefined ? "" : `${salt}:`) + experiment + ":" + unit;
}

export interface NativeBucketerOptions {
  readonly experiment: string;
  readonly weights: readonly number[];
  /** 0..1, default 1. */
  readonly traffic?: number;
  readonly salt?: string;
}

/**
 * The native algorithm compiled for one experiment. The FNV state of the key prefix and the range bounds
 * (scaled to uint32 so that comparing `hash < bound * 2^32` equals comparing `hash / 2^32 < bound` exactly)
 * are computed once; `bucket` then hashes only the unit id and allocates nothing.
 */
export class NativeBucketer {
  readonly ranges: readonly BucketRange[];
  private readonly prefixState: number;
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly fullTraffic: boolean;

  constructor(options: NativeBucketerOptions) {
    const traffic = options.traffic ?? 1;
    this.ranges = variantRanges(options.weights, traffic);
    this.prefixState = fnv1a32(nativeKey(options.experiment, "", options.salt));
    this.starts = Float64Array.from(this.ranges, (r) => r.start * TWO_POW_32);
    this.ends = Float64Array.from(this.ranges, (r) => r.end * TWO_POW_32);
    this.fullTraffic = traffic === 1;
  }

  /** The unit's uint32 hash: `nativeHash(nativeKey(experiment, unit, salt))`. */
  hash(unit: string): number {
    return fmix32(fnv1a32Continue(this.prefixState, unit));
  }

  /** Index of the unit's variant in declared order, or -1 when the unit is outside the traffic share. */
  bucket(unit: string): number {
    // int32 across the calls, uint32 only here: no heap number per call.
    const h = fmix32Int32(fnv1a32ContinueInt32(this.prefixState, unit)) >>> 0;
    const ends = this.ends;
    if (this.fullTraffic) {
      for (let i = 0; i < ends.length; i++) if (h < ends[i]!) return i;
      return -1; // unreachable: the last end is 2^32
    }
    const starts = this.starts;
    for (let i = 0; i < ends.length; i++) if (h >= starts[i]! && h < ends[i]!) return i;
    return -1;
  }
}
