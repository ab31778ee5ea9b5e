import { normalCdf, normalUpperQuantile } from "../distributions/index.js";
import { effectMoments } from "../moments/effect.js";
import type { CupedInput, EstimateWarning, MetricType, SampleStats, Scale } from "../moments/types.js";
import { checkFinite, checkObject, checkOneOf, checkOpenUnit, checkPositive } from "../validation/checks.js";
import { risk } from "./expected-loss.js";

/**
 * A proper Gaussian prior on the effect, stated on the relative lift (GrowthBook's convention, e.g.
 * N(0, 0.3²)); for an absolute effect it is rescaled to mean·|m_A| and variance·m_A².
 */
export interface GaussianPrior {
  readonly mean: number;
  readonly variance: number;
}

/** Options of `bayes`; all optional. */
export interface BayesOptions {
  /** Default "mean". */
  readonly type?: MetricType;
  /** Default "relative". */
  readonly scale?: Scale;
  /** Credible intervals are at 1 - alpha. Default 0.05. */
  readonly alpha?: number;
  /** Omitted: a flat (improper) prior, so the posterior is the likelihood N(Δ̂, SE²). */
  readonly prior?: GaussianPrior;
  readonly cuped?: CupedInput;
}

/** Posterior summary of the effect under the Gaussian effect model. */
export interface BayesResult {
  /** Posterior mean of the effect. */
  readonly estimate: number;
  /** Posterior standard deviation. */
  readonly standardError: number;
  /** Equal-tailed 1 - alpha credible interval. */
  readonly ci: readonly [number, number];
  /** P(effect > 0): the chance that treatment beats control (for a higher-is-better metric). */
  readonly chanceToWin: number;
  /** Expected loss [of choosing control, of choosing treatment], in the units of the effect. */
  readonly risk: readonly [number, number];
  readonly controlMean: number;
  readonly treatmentMean: number;
  readonly warning?: EstimateWarning;
}

/**
 * Bayesian comparison with GrowthBook's Gaussian effect model: Δ̂ ~ N(Δ, SE²) from the same effect
 * moments as `compare`, combined with a flat or Gaussian prior; reports the posterior, the chance to
 * win and the risk (expected loss) of each choice.
 */
export function bayes(control: SampleStats, treatment: SampleStats, options?: BayesOptions): BayesResult {
  const o = (options === undefined ? {} : checkObject(options, "options")) as BayesOptions;
  const type = o.type === undefined ? "mean" : checkOneOf(o.type, ["mean", "proportion"], "options.type");
  const scale =
    o.scale === undefined ? "relative" : checkOneOf(o.scale, ["relative", "absolute"], "options.scale");
  const alpha = o.alpha === undefined ? 0.05 : checkOpenUnit(o.alpha, "options.alpha");
  let prior: GaussianPrior | undefined;
  if (o.prior !== undefined) {
    checkObject(o.prior, "options.prior");
    prior = {
      mean: checkFinite(o.prior.mean, "options.prior.mean"),
      variance: checkPositive(o.prior.variance, "options.prior.variance"),
    };
  }
  const m = effectMoments(control, treatment, type, scale, o.cuped);
  const means = { controlMean: m.control.mean, treatmentMean: m.treatment.mean };
  if (m.warning !== undefined) {
    return {
      ...means,
      estimate: 0,
      standardError: 0,
      ci: [0, 0],
      chanceToWin: 0.5,
      risk: [0, 0],
      warning: m.warning,
    };
  }
  let mu = m.estimate;
  let sigma = m.standardError;
  if (prior !== undefined) {
    const scaleFactor = scale === "absolute" ? Math.abs(m.control.mean) : 1;
    const priorMean = prior.mean * scaleFactor;
    const priorVariance = prior.variance * scaleFactor * scaleFactor;
    const precision = 1 / (sigma * sigma) + 1 / priorVariance;
    mu = (m.estimate / (sigma * sigma) + priorMean / priorVariance) / precision;
    sigma = Math.sqrt(1 / precision);
  }
  const z = normalUpperQuantile(alpha / 2);
  return {
    ...means,
    estimate: mu,
    standardError: sigma,
    ci: [mu - z * sigma, mu + z * sigma],
    chanceToWin: normalCdf(mu / sigma),
    risk: risk(mu, sigma),
  };
}
