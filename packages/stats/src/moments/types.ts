/** How a metric's per-unit variance is estimated: sample variance, or p(1 - p) for a conversion rate. */
export type MetricType = "mean" | "proportion";

/** Effect as a difference of means ("absolute") or as a lift over |control mean| ("relative"). */
export type Scale = "relative" | "absolute";

/**
 * Sufficient statistics of one metric in one arm: the number of units, the sum of their values and the
 * sum of their squared values. For a proportion (0/1 values) `sumSquares` may be omitted.
 * `MetricStats` from @assay/core has this shape.
 */
export interface SampleStats {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares?: number;
  /**
   * Optional centred second moment Σ(y − ȳ)² (Welford's M2). When given it is used instead of
   * sumSquares − sum²/n, which cancels catastrophically when the mean is large against the standard
   * deviation (sd 0.01 around 1e6 leaves nothing of the variance in double precision).
   */
  readonly sumSquaredDeviations?: number;
}

/**
 * CUPED covariate statistics of one arm, over the same units as its `SampleStats`: the sum and sum of
 * squares of the pre-period value X, and the sum of products X·Y with the metric Y.
 */
export interface CovariateStats {
  readonly sum: number;
  readonly sumSquares: number;
  readonly sumProducts: number;
}

/** CUPED (regression adjustment) input: covariate statistics of both arms. */
export interface CupedInput {
  readonly control: CovariateStats;
  readonly treatment: CovariateStats;
}

/**
 * Why a comparison could not be estimated; the result then carries GrowthBook's neutral defaults
 * (estimate 0, CI [0, 0], p-value 1, chance to win 0.5).
 * - `too-few-units`: an arm has fewer than 2 units.
 * - `zero-variance`: the effect's standard error is 0 (e.g. no conversions in either arm).
 * - `zero-control-mean`: a relative effect was asked for and the control mean is 0.
 */
export type EstimateWarning = "too-few-units" | "zero-variance" | "zero-control-mean";
