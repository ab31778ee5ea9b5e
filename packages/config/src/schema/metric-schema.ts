import type { ManifestPath } from "../path.js";
import { type Occurrence, reportDuplicates } from "../rules/duplicates.js";
import type { TableRule } from "../schema/table.js";
import { isTable } from "../toml-value.js";
import { type Check, INVALID, peek } from "./check.js";
import { arrayOf } from "./collections.js";
import { finiteNumber, flag, oneOf, probability, recordedName, text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf } from "./table.js";

/**
 * A metric declared once under `[[metrics]]` and referenced by name from analysis plans: what it reads and
 * how it is tested, so every experiment analyses it the same way.
 */
export interface MetricDefinition {
  /** How plans refer to it; unique among the manifest's metrics. */
  readonly name: string;
  /** The recorded outcome it is computed from (`track(..., outcome, ...)`). Default: `name`. */
  readonly outcome: string;
  /**
   * "proportion" (a 0/1 outcome per unit, variance p(1 − p)) or "mean" (the sample variance). Absent: from
   * the recorded outcome's kind (bool is a proportion).
   */
  readonly kind?: "mean" | "proportion" | "ratio" | "quantile";
  /**
   * With kind "ratio": Σ numerator / Σ denominator per arm (revenue per order), two recorded outcomes, tested
   * by the delta method over units.
   */
  readonly numerator?: string;
  readonly denominator?: string;
  /**
   * Winsorization of the per-unit values: at a fixed `value`, or at a `percentile` of the pooled per-unit
   * values of the experiment's exposed units (nearest rank); the cap used is reported.
   */
  readonly capping?: { readonly value: number } | { readonly percentile: number };
  /**
   * With kind "quantile": which quantile of the per-unit values (0.9: the p90), strictly between 0 and 1,
   * compared between arms by the order-statistic method of `compareQuantiles` (@assay/stats).
   */
  readonly quantile?: number;
  /** With kind "quantile": only units whose value is not 0 count (`ignore_zeros = true`; latency wants it). */
  readonly ignoreZeros?: boolean;
  /** `window = "7d"`: only outcomes within this many milliseconds after the unit's first exposure count. */
  readonly windowMs?: number;
  /**
   * `cuped = true`: adjust by the same outcome's per-unit value in the pre-period before first exposure,
   * `pre_window` long (default "14d"), in milliseconds.
   */
  readonly cuped?: { readonly preWindowMs: number };
  /** Which way is good, for every plan that lists it without its own `direction`. */
  readonly direction?: "increase" | "decrease";
  /** Free text for people. */
  readonly description?: string;
  /** Where the definition is (`["metrics", index]`). */
  readonly path: ManifestPath;
}

const name = recordedName({ expected: 'a non-empty string (a metric name, e.g. "orders")' });

const CAPPING_EXPECTED =
  "a table with one of `percentile` or `value`, e.g. { percentile = 0.99 } or { value = 500 }";

const cappingTable = tableOf(
  {
    where: "in capping",
    fields: {
      percentile: optional(
        probability({
          expected: "a number strictly between 0 and 1 (the pooled percentile to cap at, e.g. 0.99)",
        }),
      ),
      value: optional(finiteNumber({ expected: "a finite number (the value to cap at, e.g. 500)" })),
    },
    build: (values, path, ctx) => {
      if ((values.percentile === undefined) === (values.value === undefined)) {
        ctx.report(path, `must be ${CAPPING_EXPECTED}`);
        return INVALID;
      }
      return Object.freeze(
        values.percentile !== undefined
          ? { percentile: values.percentile }
          : { value: values.value as number },
      );
    },
  },
  CAPPING_EXPECTED,
);

/** `capping = { percentile = 0.99 }` or `{ value = 500 }`. */
const capping: Check<{ value: number } | { percentile: number }> = cappingTable;

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 };
const WINDOW_EXPECTED =
  'a duration like "7d", "36h" or "30m" (a whole number of days, hours or minutes, at least 1)';
const windowText = text({ expected: WINDOW_EXPECTED });

/** `window = "7d"` as milliseconds. */
const windowDuration: Check<number> = (value, path, ctx) => {
  const written = windowText(value, path, ctx);
  if (written === INVALID) return INVALID;
  const match = /^([1-9][0-9]{0,5})([dhm])$/.exec(written);
  if (match === null) {
    ctx.report(path, `must be ${WINDOW_EXPECTED}, got ${JSON.stringify(written)}`);
    return INVALID;
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
};

const metricFields = {
  name: required(name, 'the name analysis plans refer to it by, e.g. name = "orders"'),
  outcome: optional(
    recordedName({ expected: 'a non-empty string (the outcome name as tracked, e.g. "order_placed")' }),
  ),
  kind: optional(
    oneOf(["mean", "proportion", "ratio", "quantile"] as const, {
      expected:
        '"mean" (the sample variance of the per-unit values), "proportion" (a 0/1 outcome per unit), "ratio" (numerator / denominator, e.g. revenue per order) or "quantile" (a quantile of the per-unit values, e.g. latency p90)',
    }),
  ),
  quantile: optional(
    probability({ expected: "a number strictly between 0 and 1 (which quantile, e.g. 0.9 for the p90)" }),
  ),
  ignore_zeros: optional(
    flag({ expected: "true or false (a quantile over the units whose value is not 0 only)" }),
  ),
  numerator: optional(
    recordedName({
      expected: 'a non-empty string (the numerator\'s outcome name as tracked, e.g. "revenue")',
    }),
  ),
  denominator: optional(
    recordedName({
      expected: 'a non-empty string (the denominator\'s outcome name as tracked, e.g. "orders")',
    }),
  ),
  capping: optional(capping),
  window: optional(windowDuration),
  cuped: optional(flag({ expected: "true or false (adjust by the pre-period value of the same outcome)" })),
  pre_window: optional(windowDuration),
  direction: optional(
    oneOf(["increase", "decrease"] as const, {
      expected: '"increase" (higher is better, the default) or "decrease" (lower is better)',
    }),
  ),
  description: optional(text({ expected: "a string (free text for people)", allowBlank: true })),
};

const metricSchema: TableSchema<typeof metricFields, MetricDefinition> = {
  where: "in metric",
  fields: metricFields,
  build: (values, path, ctx) => {
    // A ratio reads two outcomes and nothing else; the other kinds read one.
    let valid = true;
    if (values.kind === "ratio") {
      for (const key of ["numerator", "denominator"] as const) {
        if (values[key] === undefined) {
          ctx.report(
            path,
            `a ratio metric needs \`${key}\` (the ${key}'s outcome name, e.g. ${key} = "${key === "numerator" ? "revenue" : "orders"}")`,
          );
          valid = false;
        }
      }
      if (values.outcome !== undefined) {
        ctx.report(
          [...path, "outcome"],
          "a ratio metric reads its `numerator` and `denominator`; remove `outcome`",
          "key",
        );
        valid = false;
      }
      if (values.capping !== undefined) {
        ctx.report(
          [...path, "capping"],
          "caps one outcome's per-unit values; a ratio metric cannot be capped",
          "key",
        );
        valid = false;
      }
      if (values.window !== undefined) {
        ctx.report([...path, "window"], "a ratio metric cannot be windowed yet", "key");
        valid = false;
      }
    } else {
      for (const key of ["numerator", "denominator"] as const) {
        if (values[key] !== undefined) {
          ctx.report(
            [...path, key],
            'applies to ratio metrics only: add kind = "ratio", or remove it',
            "key",
          );
          valid = false;
        }
      }
    }
    if (values.kind === "quantile") {
      if (values.quantile === undefined) {
        ctx.report(path, "a quantile metric needs `quantile` (which one, e.g. quantile = 0.9 for the p90)");
        valid = false;
      }
      // The stores' quantiles are of the plain per-unit values; their caps, windows and covariates are not wired.
      for (const key of ["capping", "window", "cuped"] as const) {
        if (values[key] !== undefined) {
          ctx.report(
            [...path, key],
            `a quantile metric cannot use ${key} yet (its quantile is of the per-unit values over the whole experiment${key === "capping" ? "; a cap above the quantile would not change it anyway" : ""})`,
            "key",
          );
          valid = false;
        }
      }
    } else {
      for (const key of ["quantile", "ignore_zeros"] as const) {
        if (values[key] !== undefined) {
          ctx.report(
            [...path, key],
            'applies to quantile metrics only: add kind = "quantile", or remove it',
            "key",
          );
          valid = false;
        }
      }
    }
    if (values.pre_window !== undefined && values.cuped !== true) {
      ctx.report([...path, "pre_window"], "is CUPED's pre-period: add cuped = true, or remove it", "key");
      valid = false;
    }
    if (
      values.cuped === true &&
      (values.kind === "ratio" || values.capping !== undefined || values.window !== undefined)
    ) {
      ctx.report([...path, "cuped"], "a ratio, capped or windowed metric cannot use CUPED yet", "key");
      valid = false;
    }
    if (values.window !== undefined && values.capping !== undefined) {
      ctx.report([...path, "window"], "a metric cannot be both windowed and capped yet", "key");
      valid = false;
    }
    if (!valid) return INVALID;
    return Object.freeze({
      name: values.name,
      outcome: values.outcome ?? values.name,
      ...(values.kind === undefined ? {} : { kind: values.kind }),
      ...(values.numerator === undefined ? {} : { numerator: values.numerator }),
      ...(values.denominator === undefined ? {} : { denominator: values.denominator }),
      ...(values.quantile === undefined ? {} : { quantile: values.quantile }),
      ...(values.ignore_zeros === true ? { ignoreZeros: true } : {}),
      ...(values.capping === undefined ? {} : { capping: values.capping }),
      ...(values.window === undefined ? {} : { windowMs: values.window }),
      ...(values.cuped === true
        ? { cuped: Object.freeze({ preWindowMs: values.pre_window ?? 14 * 86_400_000 }) }
        : {}),
      ...(values.direction === undefined ? {} : { direction: values.direction }),
      ...(values.description === undefined ? {} : { description: values.description }),
      path: Object.freeze([...path]),
    });
  },
};

/** The check of one `[[metrics]]` table. */
export const metricTable = tableOf(metricSchema, 'a table ([[metrics]] with name = "...")');

/** The top level's `metrics`: an array of `[[metrics]]` tables. */
export const metricsList = arrayOf(metricTable, {
  expected: "an array of tables, written as [[metrics]] sections",
});

/** A metric name is declared once: each repeat is reported at its name, with the line of the first. */
export const uniqueMetricNamesRule: TableRule = (document, _path, ctx) => {
  const metrics = document.metrics;
  if (!Array.isArray(metrics)) return;
  const occurrences: Occurrence[] = [];
  metrics.forEach((entry: unknown, index) => {
    if (!isTable(entry)) return;
    const value = peek(name, entry.name);
    if (value !== undefined) occurrences.push({ value, path: ["metrics", index, "name"] });
  });
  reportDuplicates(occurrences, ctx, "metric name", "among [[metrics]]");
};

/**
 * The valid definitions of a raw document's `metrics`, by name (the first of a repeated name), read without
 * reporting: analysis plans resolve their references with them while the document is checked (the
 * definitions' own problems are reported where they are written, once).
 */
export function declaredMetrics(document: Record<string, unknown>): ReadonlyMap<string, MetricDefinition> {
  const declared = new Map<string, MetricDefinition>();
  if (!Array.isArray(document.metrics)) return declared;
  document.metrics.forEach((entry: unknown, index) => {
    const definition = peek((value, _path, ctx) => metricTable(value, ["metrics", index], ctx), entry);
    if (definition !== undefined && !declared.has(definition.name)) declared.set(definition.name, definition);
  });
  return declared;
}
