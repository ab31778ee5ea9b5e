/**
 * @assay/stats: Assay's statistical engine. Pure functions on sufficient statistics (n, Σy, Σy²).
 *
 * - `compare`: Welch t-test or sequential confidence sequence, relative or absolute, one- or two-sided, CUPED.
 * - `bayes`: Gaussian effect model with chance to win and risk.
 * - `srm`: sample ratio mismatch check.
 * - `adjust`: Bonferroni, Holm and Benjamini–Hochberg adjusted p-values.
 * - `power`, `sampleSize`, `mde`: fixed-horizon and sequential designs.
 * - `compareRatio`: a ratio metric (Σx/Σy per arm) by the delta method over units, tested like `compare`.
 * - `compareQuantiles`: the difference of two arms' quantiles, SEs from their order-statistic intervals.
 * - `evaluate`: the decision report of an experiment from its plan and its store summary.
 */
export * from "./adjust/index.js";
export * from "./bayes/index.js";
export {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  tCdf,
  tSurvival,
  tUpperQuantile,
} from "./distributions/index.js";
export * from "./evaluate/index.js";
export * from "./frequentist/index.js";
export type { Contrast, RelativeMethod } from "./moments/effect.js";
export type {
  CovariateStats,
  CupedInput,
  EstimateWarning,
  MetricType,
  SampleStats,
  Scale,
} from "./moments/types.js";
export * from "./power/index.js";
export * from "./quantile/index.js";
export * from "./ratio/index.js";
export * from "./srm/index.js";
export { StatsInputError } from "./validation/stats-input-error.js";
