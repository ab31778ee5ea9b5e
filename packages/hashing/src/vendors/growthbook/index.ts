/**
 * GrowthBook-compatible bucketing (`@growthbook/growthbook` JS SDK 1.x). Everything here reproduces the SDK's
 * documented behaviour bit for bit, including its floating-point order and its boundary quirks; see
 * `../README.md` and `shared/notes/vendors.md` §1.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A half-open range `[start, end)` of the unit interval, as GrowthBook writes it: a two-element tuple. */
export type BucketRange = readonly [number, number];

/** A legacy namespace `[id, start, end]`. */
export type Namespace = readonly [string, number, number];

/** A hash filter (`experiment.filters` / `rule.filters`): the unit passes if its hash lies in one of `ranges`. */
export interface Filter {
  readonly seed: string;
  readonly ranges: readonly BucketRange[];
  /** Default 2 for filters (not 1). */
  readonly hashVersion?: number | undefined;
  /** Default `"id"`, whatever the experiment's own hash attribute is. */
  readonly attribute?: string | undefined;
}

/** The attribute value GrowthBook hashes: anything, stringified the way JS `+` stringifies it. */
export type HashValue = string | number | boolean | bigint;

function fnvContinue(state: number, text: string): number {
  let h = state;
  const length = text.length;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a over the ASCII decimal digits of a uint32, without building the string. */
function fnvDecimal(value: number): number {
  let divisor = 1;
  while (divisor * 10 <= value) divisor *= 10;
  let h = FNV_OFFSET;
  let rest = value;
  for (; divisor >= 1; divisor /= 10) {
    const digit = Math.floor(rest / divisor);
    rest -= digit * divisor;
    h = Math.imul(h ^ (48 + digit), FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text` (`charCodeAt`), as GrowthBook's SDKs hash: not UTF-8, so
 * it differs from a byte-wise FNV-1a (and from Assay's native hash) on every non-ASCII string.
 */
export function fnv1a32Utf16(text: string): number {
  return fnvContinue(FNV_OFFSET, text) >>> 0;
}

/**
 * GrowthBook's `hash(seed, value, version)`, a point of [0, 1):
 * - version 2: FNV-1a of `seed + value`, its decimal string hashed again, `% 10000 / 10000` (multiples of 1e-4);
 * - version 1: FNV-1a of `value + seed` (reversed order), `% 1000 / 1000` (multiples of 1e-3, the SDK's default);
 * - any other version: `null` (the SDK then leaves the user out of the experiment).
 */
export function hash(seed: string, value: HashValue, version: number | undefined): number | null {
  const text = typeof value === "string" ? value : String(value);
  if (version === 2) {
    const first = fnvContinue(fnvContinue(FNV_OFFSET, seed), text) >>> 0;
    return (fnvDecimal(first) % 10000) / 10000;
  }
  if (version === 1) return ((fnvContinue(fnvContinue(FNV_OFFSET, text), seed) >>> 0) % 1000) / 1000;
  return null;
}

/** `n` equal weights of `1 / n`; an empty list for `n <= 0`. */
export function getEqualWeights(n: number): number[] {
  if (n <= 0) return [];
  return new Array<number>(n).fill(1 / n);
}

/**
 * GrowthBook's `getBucketRanges`: coverage (default 1) is clamped to [0, 1]; weights that are missing, of the
 * wrong length, or that sum outside [0.99, 1.01] fall back to equal weights. Variation i gets
 * `[c_i, c_i + coverage * w_i)` where `c_i` accumulates `cumulative += w` in declared order, so starts do not
 * move when coverage changes. The floating-point operations happen in exactly the SDK's order, because hash
 * values (multiples of 1e-3 or 1e-4) can land exactly on a boundary. A `null` coverage (JSON) is kept as the
 * SDK keeps it: every range becomes empty.
 */
export function getBucketRanges(
  numVariations: number,
  coverage?: number | null,
  weights?: readonly number[] | null,
): [number, number][] {
  let c = coverage === undefined ? 1 : coverage === null ? 0 : coverage;
  if (c < 0) c = 0;
  else if (c > 1) c = 1;
  const equal = getEqualWeights(numVariations);
  let w: readonly number[] = weights || equal;
  if (w.length !== numVariations) w = equal;
  let total = 0;
  for (const x of w) total = x + total;
  if (total < 0.99 || total > 1.01) w = equal;
  let cumulative = 0;
  return w.map((x) => {
    const start = cumulative;
    cumulative += x;
    return [start, start + c * x];
  });
}

/** `range[0] <= n < range[1]`. */
export function inRange(n: number, range: BucketRange): boolean {
  return n >= range[0] && n < range[1];
}

/** Index of the first range holding `n` (half-open), or -1 when `n` is in none (outside coverage). */
export function chooseVariation(n: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (n >= r[0] && n < r[1]) return i;
  }
  return -1;
}

/**
 * Legacy namespace membership: `start <= hash("__" + id, hashValue, 1) < end`. Always hash version 1,
 * whatever the experiment's version.
 */
export function inNamespace(hashValue: HashValue, namespace: Namespace): boolean {
  const n = hash("__" + namespace[0], hashValue, 1)!;
  return n >= namespace[1] && n < namespace[2];
}

/**
 * The attribute GrowthBook hashes for a unit: `attributes[attribute || "id"]`, or `""` when that value is
 * falsy (`""`, `0`, `false`, `null`, missing). A falsy value means "not in the experiment". (Sticky-bucketing
 * fallback attributes are not handled: they only apply with a sticky bucket service.)
 */
export function getHashValue(
  attributes: Readonly<Record<string, unknown>>,
  attribute?: string | undefined,
): HashValue | "" {
  const value = attributes[attribute || "id"];
  return value ? (value as HashValue) : "";
}

/**
 * True if any filter excludes the unit: a filter excludes it when its attribute (default `"id"`) is falsy or
 * when `hash(filter.seed, value, filter.hashVersion || 2)` lies in none of `filter.ranges` (half-open).
 */
export function isFilteredOut(
  filters: readonly Filter[],
  attributes: Readonly<Record<string, unknown>>,
): boolean {
  for (const filter of filters) {
    const value = getHashValue(attributes, filter.attribute);
    if (!value) return true;
    const n = hash(filter.seed, value, filter.hashVersion || 2);
    if (n === null) return true;
    let inside = false;
    for (const r of filter.ranges) {
      if (n >= r[0] && n < r[1]) {
        inside = true;
        break;
      }
    }
    if (!inside) return true;
  }
  return false;
}

/**
 * A rollout (force) rule's percentage gate, as the SDK applies it:
 * - no range and no coverage: included, without hashing;
 * - no range and coverage 0: excluded;
 * - a falsy hash value, or an unknown hash version: excluded;
 * - otherwise `n = hash(seed, hashValue, hashVersion || 1)` and the unit is included if `n` is in `range`
 *   (half-open) or, without a range, if `n <= coverage` (INCLUSIVE, unlike variation ranges).
 * The seed of a feature rule is `rule.seed || featureKey`.
 */
export function isIncludedInRollout(
  seed: string,
  hashValue: HashValue | "" | null | undefined,
  range?: BucketRange | null,
  coverage?: number | null,
  hashVersion?: number,
): boolean {
  if (!range && coverage === undefined) return true;
  if (!range && coverage === 0) return false;
  if (!hashValue) return false;
  const n = hash(seed, hashValue, hashVersion || 1);
  if (n === null) return false;
  if (range) return n >= range[0] && n < range[1];
  if (coverage === undefined) return true;
  // `n <= null` is `n <= 0` in JS; keep the SDK's answer for a JSON null coverage.
  return n <= (coverage === null ? 0 : coverage);
}

/** The bucketing-relevant part of a GrowthBook experiment (an inline experiment or a feature's experiment rule). */
export interface ExperimentSpec {
  /** Experiment key; also the seed when `seed` is empty. For a feature rule: `rule.key || featureKey`. */
  readonly key: string;
  /** The variations (only their number matters here) or their number. */
  readonly variations: number | readonly unknown[];
  readonly seed?: string | undefined;
  /** Default `"id"`. */
  readonly hashAttribute?: string | undefined;
  /** Default 1 (the SDK's default; GrowthBook's back end writes 2 for new experiments). */
  readonly hashVersion?: number | undefined;
  readonly coverage?: number | null | undefined;
  readonly weights?: readonly number[] | null | undefined;
  /** Explicit ranges (newer payloads); when present, coverage and weights are ignored. */
  readonly ranges?: readonly BucketRange[] | null | undefined;
  /** When present, `namespace` is ignored. */
  readonly filters?: readonly Filter[] | null | undefined;
  readonly namespace?: Namespace | null | undefined;
  /** `false` leaves everyone out. */
  readonly active?: boolean | undefined;
  /** `"draft"` and `"stopped"` leave everyone out. */
  readonly status?: string | undefined;
  /**
   * A forced variation: units that the hash puts in the experiment get this index instead (an index outside
   * the variations leaves them out). Units outside coverage stay out, as in the SDK.
   */
  readonly force?: number | undefined;
}

/**
 * One experiment compiled for repeated assignment: seed, hash version, ranges, filters and namespace are
 * resolved once, so `bucket` only hashes the unit. Reproduces `runExperiment`'s steps that depend on the
 * definition and the hash alone (variation count, active/status, hash attribute, filters or namespace,
 * ranges, `force`). It does not reproduce what needs more than a hash: targeting conditions, the context's
 * forced variations and overrides, query-string and URL rules, QA mode, sticky buckets (see `../README.md`).
 */
export class CompiledExperiment {
  readonly key: string;
  readonly seed: string;
  readonly hashAttribute: string;
  readonly hashVersion: number;
  readonly numVariations: number;
  readonly ranges: readonly BucketRange[];
  readonly filters: readonly Filter[] | null;
  readonly namespace: Namespace | null;
  readonly force: number | undefined;
  private readonly disabled: boolean;
  private readonly selfContained: boolean;
  private readonly seedState: number;
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;

  constructor(spec: ExperimentSpec) {
    this.key = spec.key;
    this.seed = spec.seed || spec.key;
    this.hashAttribute = spec.hashAttribute || "id";
    this.hashVersion = spec.hashVersion || 1;
    this.numVariations = typeof spec.variations === "number" ? spec.variations : spec.variations.length;
    this.ranges = spec.ranges
      ? spec.ranges.map((r) => [r[0], r[1]] as const)
      : getBucketRanges(this.numVariations, spec.coverage === undefined ? 1 : spec.coverage, spec.weights);
    this.filters = spec.filters ? spec.filters : null;
    this.namespace = !spec.filters && spec.namespace ? spec.namespace : null;
    this.disabled =
      this.numVariations < 2 || spec.active === false || spec.status === "draft" || spec.status === "stopped";
    this.force = spec.force;
    this.selfContained = (this.filters ?? []).every((f) => (f.attribute || "id") === this.hashAttribute);
    this.seedState = fnvContinue(FNV_OFFSET, this.seed);
    this.starts = Float64Array.from(this.ranges, (r) => r[0]);
    this.ends = Float64Array.from(this.ranges, (r) => r[1]);
  }

  /** The experiment hash of a unit, as the SDK computes it (`hash(seed, value, hashVersion)`). */
  hash(value: HashValue): number | null {
    if (this.hashVersion === 2) {
      const text = typeof value === "string" ? value : String(value);
      return (fnvDecimal(fnvContinue(this.seedState, text) >>> 0) % 10000) / 10000;
    }
    return hash(this.seed, value, this.hashVersion);
  }

  /**
   * Variation index for a unit whose hash attribute has value `value`, or -1 when the unit is not in the
   * experiment (falsy value, disabled experiment, filtered out, outside the namespace, outside coverage,
   * unknown hash version). Throws if a filter reads another attribute than the hash attribute: use `assign`.
   */
  bucket(value: HashValue | "" | null | undefined): number {
    if (!this.selfContained) {
      throw new Error(`experiment ${this.key}: a filter reads another attribute; use assign(attributes)`);
    }
    if (this.disabled || !value) return -1;
    if (this.filters) {
      if (isFilteredOut(this.filters, { [this.hashAttribute]: value })) return -1;
    } else if (this.namespace && !inNamespace(value, this.namespace)) return -1;
    return this.choose(value);
  }

  /** Variation index for a unit given all its attributes (hash attribute and filter attributes), or -1. */
  assign(attributes: Readonly<Record<string, unknown>>): number {
    if (this.disabled) return -1;
    const value = getHashValue(attributes, this.hashAttribute);
    if (!value) return -1;
    if (this.filters) {
      if (isFilteredOut(this.filters, attributes)) return -1;
    } else if (this.namespace && !inNamespace(value, this.namespace)) return -1;
    return this.choose(value);
  }

  private choose(value: HashValue): number {
    const n = this.hash(value);
    if (n === null) return -1;
    const starts = this.starts;
    const ends = this.ends;
    let assigned = -1;
    for (let i = 0; i < ends.length; i++) {
      if (n >= starts[i]! && n < ends[i]!) {
        assigned = i;
        break;
      }
    }
    if (assigned < 0) return -1;
    if (this.force !== undefined) assigned = this.force;
    // An index without a variation (explicit ranges longer than the variations, a bad force) is "not in".
    return assigned >= 0 && assigned < this.numVariations ? assigned : -1;
  }
}

/** Compiles one experiment definition for repeated assignment; see `CompiledExperiment`. */
export function compileExperiment(spec: ExperimentSpec): CompiledExperiment {
  return new CompiledExperiment(spec);
}
