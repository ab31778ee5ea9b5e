import type { HashingMode, HashingModeName, HashRange } from "@assay/core";
import { isTable } from "../toml-value.js";
import { type Check, INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { optimizelyModeSchema } from "./optimizely-hashing-schema.js";
import { finiteNumber, integer, mismatch, oneOf, text } from "./scalars.js";
import { statsigHashingSchema } from "./statsig-hashing-schema.js";
import { type Fields, optional, required, type TableSchema, tableOf, withDefault } from "./table.js";
import { unleashStrategyFields, unleashStrategyValues } from "./unleash-hashing-schema.js";

/** The values of `hashing.mode`. */
export const HASHING_MODES: readonly HashingModeName[] = [
  "native",
  "growthbook",
  "posthog",
  "optimizely",
  "unleash",
  "featuresignals",
  "statsig",
];

const MODE = oneOf(HASHING_MODES, {
  expected: `one of ${HASHING_MODES.map((m) => JSON.stringify(m)).join(", ")} (how units are bucketed; "native" is the default)`,
});
const nonEmpty = (what: string) => text({ expected: `a non-empty string (${what})` });
const unitPoint = (what: string) =>
  finiteNumber({ expected: `a number from 0 to 1 (${what})`, min: 0, max: 1 });

/** `[start, end]` with 0 <= start <= end <= 1. */
const range: Check<HashRange> = (value, path, ctx) => {
  const expected = "a range [start, end] with 0 <= start <= end <= 1, e.g. [0, 0.5]";
  if (!Array.isArray(value) || value.length !== 2) return mismatch(ctx, path, expected, value);
  const start = unitPoint("the range start")(value[0], [...path, 0], ctx);
  const end = unitPoint("the range end")(value[1], [...path, 1], ctx);
  if (start === INVALID || end === INVALID) return INVALID;
  if (start > end) return mismatch(ctx, path, expected, value);
  return Object.freeze([start, end] as const);
};
const ranges = (what: string) =>
  arrayOf(range, { expected: `an array of ranges like [[0, 0.5], [0.5, 1]] (${what})` });
/** GrowthBook's hash version: the integer 1 or 2. */
const hashVersion: Check<1 | 2> = (value, path, ctx) => {
  if (value === 1 || value === 2) return value;
  const quoted = value === "1" || value === "2";
  return mismatch(
    ctx,
    path,
    "1 or 2 (GrowthBook's hash version: 2 for experiments GrowthBook creates, 1 the SDK's default)",
    value,
    quoted ? `; write it without quotes: ${value}` : "",
  );
};

const namespaceFields = {
  id: required(nonEmpty("the namespace id"), "the GrowthBook namespace id"),
  start: required(unitPoint("where the namespace range starts"), "the range start, e.g. start = 0"),
  end: required(unitPoint("where the namespace range ends"), "the range end, e.g. end = 0.5"),
};
const namespaceSchema: TableSchema<
  typeof namespaceFields,
  { readonly id: string; readonly start: number; readonly end: number }
> = {
  where: "in namespace",
  fields: namespaceFields,
  build: (v, path, ctx) => {
    if (v.start > v.end) {
      ctx.report([...path, "end"], `must be at least start (${v.start}), got ${v.end}`);
      return INVALID;
    }
    return Object.freeze({ id: v.id, start: v.start, end: v.end });
  },
};

const filterFields = {
  seed: required(nonEmpty("the filter's seed"), "the filter's hash seed"),
  ranges: required(ranges("where the filter lets units through"), "the ranges that pass, e.g. [[0, 0.5]]"),
  version: withDefault(hashVersion, 2 as 1 | 2),
};
const filterSchema: TableSchema<
  typeof filterFields,
  { readonly seed: string; readonly ranges: readonly HashRange[]; readonly version: 1 | 2 }
> = {
  where: "in filter",
  fields: filterFields,
  build: (v) => Object.freeze({ seed: v.seed, ranges: Object.freeze(v.ranges), version: v.version }),
};

const modeField = required(MODE, 'how units are bucketed, e.g. mode = "growthbook"');

/** The keys of each mode's `hashing` table, and what it builds. */
const MODE_SCHEMAS: { readonly [M in HashingModeName]: TableSchema<Fields, HashingMode> } = {
  native: {
    where: 'in hashing (mode = "native")',
    fields: { mode: modeField },
    build: () => Object.freeze({ mode: "native" }),
  },
  growthbook: {
    where: 'in hashing (mode = "growthbook")',
    fields: {
      mode: modeField,
      version: required(hashVersion, "the GrowthBook hash version, 1 or 2"),
      seed: required(
        nonEmpty("the experiment's seed: the phase seed, else its tracking key"),
        'the GrowthBook seed (the phase seed, else the experiment key), e.g. seed = "checkout"',
      ),
      ranges: optional(ranges("one per variant; they replace traffic and weights")),
      namespace: optional(
        tableOf(namespaceSchema, 'an inline table like { id = "pricing", start = 0, end = 0.5 }'),
      ),
      filters: optional(
        arrayOf(tableOf(filterSchema, 'an inline table like { seed = "layer", ranges = [[0, 0.5]] }'), {
          expected: 'an array of filters like [{ seed = "layer", ranges = [[0, 0.5]], version = 2 }]',
        }),
      ),
    },
    build: (v) =>
      Object.freeze({
        mode: "growthbook",
        version: v.version as 1 | 2,
        seed: v.seed as string,
        ...(v.ranges === undefined ? {} : { ranges: Object.freeze(v.ranges as HashRange[]) }),
        ...(v.namespace === undefined
          ? {}
          : {
              namespace: v.namespace as { readonly id: string; readonly start: number; readonly end: number },
            }),
        ...(v.filters === undefined
          ? {}
          : {
              filters: Object.freeze(
                v.filters as {
                  readonly seed: string;
                  readonly ranges: readonly HashRange[];
                  readonly version: 1 | 2;
                }[],
              ),
            }),
      }),
  },
  posthog: {
    where: 'in hashing (mode = "posthog")',
    fields: {
      mode: modeField,
      key: required(nonEmpty("the PostHog flag key"), 'the PostHog flag key, e.g. key = "checkout-flow"'),
      holdout: optional(
        tableOf(
          {
            where: "in holdout",
            fields: {
              id: required(
                integer({ expected: "a whole number >= 0 (the PostHog holdout id)", min: 0 }),
                "the holdout id",
              ),
              percentage: required(
                finiteNumber({
                  expected: "a number from 0 to 100 (the holdout's exclusion percentage)",
                  min: 0,
                  max: 100,
                }),
                "the exclusion percentage, e.g. percentage = 10",
              ),
            },
            build: (h) => Object.freeze({ id: h.id, percentage: h.percentage }),
          },
          "an inline table like { id = 12, percentage = 10 }",
        ),
      ),
    },
    build: (v) =>
      Object.freeze({
        mode: "posthog",
        key: v.key as string,
        ...(v.holdout === undefined
          ? {}
          : { holdout: v.holdout as { readonly id: number; readonly percentage: number } }),
      }),
  },
  optimizely: optimizelyModeSchema(modeField),
  unleash: {
    where: 'in hashing (mode = "unleash")',
    fields: {
      mode: modeField,
      group_id: required(
        nonEmpty("the strategy's groupId, usually the toggle name"),
        'the groupId, e.g. group_id = "checkout"',
      ),
      variant_group_id: optional(
        nonEmpty("the group of the variant hash: the toggle name for feature-level variants"),
      ),
      ...unleashStrategyFields,
    },
    build: (v) =>
      Object.freeze({
        mode: "unleash",
        groupId: v.group_id as string,
        ...(v.variant_group_id === undefined ? {} : { variantGroupId: v.variant_group_id as string }),
        ...unleashStrategyValues(v as Parameters<typeof unleashStrategyValues>[0]),
      }),
  },
  featuresignals: {
    where: 'in hashing (mode = "featuresignals")',
    fields: {
      mode: modeField,
      flag_key: required(
        nonEmpty("the FeatureSignals flag key"),
        'the flag key, e.g. flag_key = "checkout-v2"',
      ),
    },
    build: (v) => Object.freeze({ mode: "featuresignals", flagKey: v.flag_key as string }),
  },
  statsig: statsigHashingSchema(modeField),
};

const MODE_CHECKS = Object.fromEntries(
  HASHING_MODES.map((m) => [m, tableOf(MODE_SCHEMAS[m], `an inline table like { mode = "${m}", ... }`)]),
) as { readonly [M in HashingModeName]: Check<HashingMode> };

const EXPECTED = 'an inline table like { mode = "growthbook", version = 2, seed = "checkout" }';

/**
 * `hashing = { mode = "...", ... }`: the mode decides which other keys are allowed (each mode's keys are
 * checked like any table: unknown keys get the nearest valid one).
 */
export const hashingTable: Check<HashingMode> = (value, path, ctx) => {
  if (!isTable(value)) return mismatch(ctx, path, EXPECTED, value);
  if (!Object.hasOwn(value, "mode")) {
    ctx.report(
      [...path, "mode"],
      `missing required key \`mode\` (one of ${HASHING_MODES.map((m) => JSON.stringify(m)).join(", ")})`,
    );
    return INVALID;
  }
  const mode = MODE(value.mode, [...path, "mode"], ctx);
  if (mode === INVALID) return INVALID;
  return MODE_CHECKS[mode](value, path, ctx);
};
