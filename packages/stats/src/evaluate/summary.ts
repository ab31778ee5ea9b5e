import type { ExperimentSummary } from "@assay/core";
import {
  checkCount,
  checkFinite,
  checkObject,
  checkOneOf,
  checkOpenUnit,
  show,
} from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/**
 * What `evaluate` reads from a store summary (`ExperimentSummary` of @assay/core satisfies it): units
 * per variant, and per metric its kind and per-variant sufficient statistics.
 */
export type SummaryInput = Pick<ExperimentSummary, "experiment" | "variants" | "metrics"> &
  Partial<
    Pick<
      ExperimentSummary,
      | "unitsInSeveralVariants"
      | "unattributedOutcomes"
      | "ratios"
      | "capped"
      | "windowed"
      | "cuped"
      | "quantiles"
      | "breakdown"
    >
  >;

/** Checks the summary's shape and numbers; throws `StatsInputError` naming the bad field. */
export function checkSummary(input: unknown, field = "summary"): SummaryInput {
  const s = checkObject(input, field);
  if (typeof s.experiment !== "string") {
    throw new StatsInputError(`${field}.experiment`, `must be a string, got ${show(s.experiment)}`);
  }
  if (!Array.isArray(s.variants)) {
    throw new StatsInputError(`${field}.variants`, `must be an array, got ${show(s.variants)}`);
  }
  const variantIds = new Set<string>();
  s.variants.forEach((v: unknown, i: number) => {
    const f = `${field}.variants[${i}]`;
    const variant = checkObject(v, f);
    const id = checkId(variant.variantId, `${f}.variantId`);
    if (variantIds.has(id))
      throw new StatsInputError(`${f}.variantId`, `${JSON.stringify(id)} appears twice`);
    variantIds.add(id);
    checkCount(variant.exposedUnits, `${f}.exposedUnits`);
  });
  if (!Array.isArray(s.metrics)) {
    throw new StatsInputError(`${field}.metrics`, `must be an array, got ${show(s.metrics)}`);
  }
  s.metrics.forEach((m: unknown, i: number) => {
    const f = `${field}.metrics[${i}]`;
    const metric = checkObject(m, f);
    checkId(metric.metric, `${f}.metric`);
    checkOneOf(metric.kind, ["bool", "numeric", "count"], `${f}.kind`);
    if (!Array.isArray(metric.variants)) {
      throw new StatsInputError(`${f}.variants`, `must be an array, got ${show(metric.variants)}`);
    }
    metric.variants.forEach((v: unknown, j: number) => {
      const g = `${f}.variants[${j}]`;
      const stats = checkObject(v, g);
      checkId(stats.variantId, `${g}.variantId`);
      checkCount(stats.n, `${g}.n`);
      checkFinite(stats.sum, `${g}.sum`);
      const ss = checkFinite(stats.sumSquares, `${g}.sumSquares`);
      if (ss < 0) throw new StatsInputError(`${g}.sumSquares`, `must be at least 0, got ${ss}`);
      if (stats.sumSquaredDeviations !== undefined) {
        const m2 = checkFinite(stats.sumSquaredDeviations, `${g}.sumSquaredDeviations`);
        if (m2 < 0) throw new StatsInputError(`${g}.sumSquaredDeviations`, `must be at least 0, got ${m2}`);
      }
    });
  });
  if (s.ratios !== undefined) {
    if (!Array.isArray(s.ratios)) {
      throw new StatsInputError(`${field}.ratios`, `must be an array, got ${show(s.ratios)}`);
    }
    s.ratios.forEach((r: unknown, i: number) => {
      const f = `${field}.ratios[${i}]`;
      const ratio = checkObject(r, f);
      checkId(ratio.numerator, `${f}.numerator`);
      checkId(ratio.denominator, `${f}.denominator`);
      if (!Array.isArray(ratio.variants)) {
        throw new StatsInputError(`${f}.variants`, `must be an array, got ${show(ratio.variants)}`);
      }
      ratio.variants.forEach((v: unknown, j: number) => {
        const variant = checkObject(v, `${f}.variants[${j}]`);
        checkId(variant.variantId, `${f}.variants[${j}].variantId`);
        checkFinite(variant.sumProducts, `${f}.variants[${j}].sumProducts`);
      });
    });
  }
  // The per-metric extras a store returns on request: each entry names its metric, each variant its id and
  // finite statistics (capped and windowed metrics carry a metric's statistics; CUPED its covariate sums; a
  // quantile its estimate and order-statistic interval, with counts for n and the ranks).
  const extras: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["capped", ["n", "sum", "sumSquares"]],
    ["windowed", ["n", "sum", "sumSquares"]],
    ["cuped", ["sum", "sumSquares", "sumProducts"]],
    ["quantiles", ["n", "estimate", "rank", "lower", "lowerRank", "upper", "upperRank", "coverage"]],
  ];
  const counts = new Set(["n", "rank", "lowerRank", "upperRank"]);
  for (const [key, numbers] of extras) {
    const list = s[key];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw new StatsInputError(`${field}.${key}`, `must be an array, got ${show(list)}`);
    list.forEach((e: unknown, i: number) => {
      const f = `${field}.${key}[${i}]`;
      const entry = checkObject(e, f);
      checkId(entry.metric, `${f}.metric`);
      if (key === "capped") checkFinite(entry.cap, `${f}.cap`);
      if (key === "quantiles") checkOpenUnit(entry.probability, `${f}.probability`);
      if (!Array.isArray(entry.variants)) {
        throw new StatsInputError(`${f}.variants`, `must be an array, got ${show(entry.variants)}`);
      }
      entry.variants.forEach((v: unknown, j: number) => {
        const g = `${f}.variants[${j}]`;
        const variant = checkObject(v, g);
        checkId(variant.variantId, `${g}.variantId`);
        for (const name of numbers) {
          if (counts.has(name)) checkCount(variant[name], `${g}.${name}`);
          else checkFinite(variant[name], `${g}.${name}`);
        }
      });
    });
  }
  for (const key of ["unitsInSeveralVariants", "unattributedOutcomes"] as const) {
    if (s[key] !== undefined) checkCount(s[key], `${field}.${key}`);
  }
  return s as unknown as SummaryInput;
}

function checkId(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw new StatsInputError(field, `must be a non-empty string, got ${show(value)}`);
  }
  return value;
}
