import type {
  HashingMode,
  OptimizelyGroup,
  OptimizelyGroupRange,
  OptimizelyHashing,
  OptimizelyPrior,
  OptimizelyRange,
  VariantDefinition,
} from "@assay/core";
import type { ManifestPath } from "../path.js";
import { isTable } from "../toml-value.js";
import { type Check, type CheckContext, INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { forcedByUnit, forcedTable } from "./environment-schema.js";
import { integer, mismatch, text } from "./scalars.js";
import { type Fields, optional, required, type TableSchema, tableOf } from "./table.js";
import { targetingTable } from "./targeting-schema.js";

/** Optimizely buckets into 0..9999: an `endOfRange` is at most 10000. */
const MAX_END = 10_000;

const nonEmpty = (what: string) => text({ expected: `a non-empty string (${what})` });

/** A whole number from 0 to 10000 (an Optimizely `endOfRange`). */
const endOfRange: Check<number> = (value, path, ctx) => {
  const expected = "a whole number from 0 to 10000 (an endOfRange)";
  const n = integer({ expected, min: 0 })(value, path, ctx);
  if (n === INVALID) return INVALID;
  return n > MAX_END ? mismatch(ctx, path, expected, value) : n;
};

/**
 * The ends of an allocation are cumulative, as in a datafile: each at least the previous one (the SDK reads the
 * first entry with `value < endOfRange`, so a smaller later end could never be reached).
 */
function checkCumulative(
  ranges: readonly { readonly end: number }[],
  path: ManifestPath,
  ctx: CheckContext,
): boolean {
  let valid = true;
  ranges.forEach((r, i) => {
    const previous = i === 0 ? 0 : ranges[i - 1]!.end;
    if (r.end < previous) {
      ctx.report(
        [...path, i, "end"],
        `must be from ${previous} to 10000 (ends are cumulative), got ${r.end}`,
      );
      valid = false;
    }
  });
  return valid;
}

const rangeFields = {
  variant: optional(nonEmpty("the variant the range serves; leave it out for a gap that serves nobody")),
  end: required(endOfRange, "the range's endOfRange, e.g. end = 5000"),
};
const rangeSchema: TableSchema<typeof rangeFields, OptimizelyRange> = {
  where: "in allocation",
  fields: rangeFields,
  build: (v) => Object.freeze(v.variant === undefined ? { end: v.end } : { variant: v.variant, end: v.end }),
};

const allocation: Check<OptimizelyRange[]> = (value, path, ctx) => {
  const ranges = arrayOf(
    tableOf(
      rangeSchema,
      'an inline table like { variant = "control", end = 5000 } (or { end = 5000 }: a gap)',
    ),
    {
      expected:
        'an array of ranges in datafile order, e.g. [{ variant = "control", end = 3000 }, { end = 5000 }, { variant = "treatment", end = 10000 }]',
    },
  )(value, path, ctx);
  if (ranges === INVALID) return INVALID;
  return checkCumulative(ranges, path, ctx) ? ranges : INVALID;
};

const groupRangeFields = {
  experiment: optional(
    nonEmpty("the Optimizely id of the experiment the range goes to; leave it out for none"),
  ),
  end: required(endOfRange, "the range's endOfRange, e.g. end = 5000"),
};
const groupRangeSchema: TableSchema<typeof groupRangeFields, OptimizelyGroupRange> = {
  where: "in group allocation",
  fields: groupRangeFields,
  build: (v) =>
    Object.freeze(v.experiment === undefined ? { end: v.end } : { experiment: v.experiment, end: v.end }),
};

const groupFields = {
  id: required(nonEmpty("the Optimizely group id"), 'the group id of the datafile, e.g. id = "19228"'),
  allocation: required(
    arrayOf(tableOf(groupRangeSchema, 'an inline table like { experiment = "1886780721", end = 5000 }'), {
      expected:
        'an array of the group\'s ranges in datafile order, e.g. [{ experiment = "1886780721", end = 5000 }, { end = 10000 }]',
    }),
    "the group's trafficAllocation, one range per entry",
  ),
};
const groupSchema: TableSchema<typeof groupFields, OptimizelyGroup> = {
  where: "in group",
  fields: groupFields,
  build: (v, path, ctx) => {
    if (!checkCumulative(v.allocation, [...path, "allocation"], ctx)) return INVALID;
    return Object.freeze({ id: v.id, allocation: Object.freeze(v.allocation) });
  },
};

/** `[start, end)` with 0 <= start <= end <= 10000: bucket values an earlier experiment serves. */
const servedRange: Check<readonly [number, number]> = (value, path, ctx) => {
  const expected = "a range [start, end] of bucket values with 0 <= start <= end <= 10000, e.g. [0, 4000]";
  if (!Array.isArray(value) || value.length !== 2) return mismatch(ctx, path, expected, value);
  const start = endOfRange(value[0], [...path, 0], ctx);
  const end = endOfRange(value[1], [...path, 1], ctx);
  if (start === INVALID || end === INVALID) return INVALID;
  if (start > end) return mismatch(ctx, path, expected, value);
  return Object.freeze([start, end] as const);
};

const priorFields = {
  experiment: required(
    nonEmpty("the Optimizely id of an experiment decide tries first"),
    'the earlier experiment\'s id, e.g. experiment = "1886780721"',
  ),
  served: required(
    arrayOf(servedRange, { expected: "an array of bucket ranges that serve a variation, e.g. [[0, 4000]]" }),
    "the bucket ranges its allocation serves, e.g. served = [[0, 4000]]",
  ),
  group: optional(
    tableOf(
      groupSchema,
      'an inline table like { id = "19228", allocation = [{ experiment = "1886780721", end = 5000 }] }',
    ),
  ),
  allowlist: optional(
    arrayOf(text({ expected: 'a non-empty unit id (e.g. "qa-alice")' }), {
      expected: 'an array of the unit ids its allowlist serves, e.g. ["qa-alice"]',
    }),
  ),
  audience: optional(targetingTable),
};
const priorSchema: TableSchema<typeof priorFields, OptimizelyPrior> = {
  where: "in after",
  fields: priorFields,
  build: (v) =>
    Object.freeze({
      experiment: v.experiment,
      served: Object.freeze(v.served),
      ...(v.group === undefined ? {} : { group: v.group }),
      ...(v.allowlist === undefined ? {} : { allowlist: Object.freeze(v.allowlist) }),
      ...(v.audience === undefined ? {} : { audience: v.audience }),
    }),
};

/**
 * The keys of `hashing = { mode = "optimizely", ... }`: the experiment id, the attribute bucketed instead of the
 * unit, and the allocation as `ends` (one per variant) or as the datafile's `allocation` (gaps, a variant in
 * several ranges), the random `group`, the `allowlist` (the datafile's `forcedVariations`), and `after` (the
 * experiments `decide` tries first: a flag's experiments before its delivery rules).
 */
export function optimizelyModeSchema(modeField: Fields[string]): TableSchema<Fields, HashingMode> {
  return {
    where: 'in hashing (mode = "optimizely")',
    fields: {
      mode: modeField,
      experiment_id: required(
        nonEmpty("the Optimizely experiment id, digits as in the datafile"),
        'the experiment id of the datafile, e.g. experiment_id = "1886780721"',
      ),
      bucketing_id: optional(nonEmpty("a context attribute that, when set, is bucketed instead of the unit")),
      ends: optional(
        arrayOf(integer({ expected: "a whole number from 0 to 10000 (an endOfRange)", min: 0 }), {
          expected: "an array of endOfRange values, one per variant, e.g. [5000, 10000]",
        }),
      ),
      allocation: optional(allocation),
      group: optional(
        tableOf(
          groupSchema,
          'an inline table like { id = "19228", allocation = [{ experiment = "1886780721", end = 5000 }] }',
        ),
      ),
      allowlist: optional(forcedTable),
      after: optional(
        arrayOf(
          tableOf(priorSchema, 'an inline table like { experiment = "1886780721", served = [[0, 4000]] }'),
          {
            expected:
              'an array of the experiments decide tries first, e.g. [{ experiment = "1886780721", served = [[0, 4000]] }]',
          },
        ),
      ),
    },
    build: (v, path, ctx) => {
      if (v.ends !== undefined && v.allocation !== undefined) {
        ctx.report(
          [...path, "ends"],
          "must be left out with `allocation`: the allocation already gives every range its end",
          "key",
        );
        return INVALID;
      }
      const out: { -readonly [K in keyof OptimizelyHashing]: OptimizelyHashing[K] } = {
        mode: "optimizely",
        experimentId: v.experiment_id as string,
      };
      if (v.bucketing_id !== undefined) out.bucketingId = v.bucketing_id as string;
      if (v.ends !== undefined) out.ends = Object.freeze(v.ends as number[]);
      if (v.allocation !== undefined) out.allocation = Object.freeze(v.allocation as OptimizelyRange[]);
      if (v.group !== undefined) out.group = v.group as OptimizelyGroup;
      if (v.allowlist !== undefined)
        out.allowlist = v.allowlist as Readonly<Record<string, readonly string[]>>;
      if (v.after !== undefined) out.after = Object.freeze(v.after as OptimizelyPrior[]);
      return Object.freeze(out);
    },
  };
}

/**
 * What the `optimizely` mode needs from the rest of the experiment: one end per variant (cumulative, at most
 * 10000) with `ends`; with `allocation` and `allowlist`, variant ids the experiment declares, and each unit
 * allowlisted into one variant only.
 */
export function checkOptimizelyHashing(
  hashing: OptimizelyHashing,
  experiment: Readonly<Record<string, unknown>>,
  at: ManifestPath,
  ctx: CheckContext,
): void {
  const variants = Array.isArray(experiment.variants) ? experiment.variants : undefined;
  if (hashing.ends) {
    if (variants && hashing.ends.length !== variants.length)
      ctx.report(
        [...at, "ends"],
        `must have one entry per variant (${variants.length}), got ${hashing.ends.length}`,
      );
    hashing.ends.forEach((end, i) => {
      const previous = i === 0 ? 0 : hashing.ends![i - 1]!;
      if (end > MAX_END || end < previous) {
        ctx.report([...at, "ends", i], `must be from ${previous} to 10000 (ends are cumulative), got ${end}`);
      }
    });
  }
  if (variants === undefined) return;
  const ids = variants.flatMap((v) => (isTable(v) && typeof v.id === "string" ? [v.id] : []));
  hashing.allocation?.forEach((r, i) => {
    if (r.variant !== undefined && !ids.includes(r.variant))
      ctx.report(
        [...at, "allocation", i, "variant"],
        `must be a variant of this experiment (${ids.join(", ")}), got ${JSON.stringify(r.variant)}`,
      );
  });
  if (hashing.allowlist !== undefined) {
    const declared = ids.map((id) => ({ id, weight: 1, isControl: false }) satisfies VariantDefinition);
    forcedByUnit(hashing.allowlist, declared, [...at, "allowlist"], ctx);
  }
}
