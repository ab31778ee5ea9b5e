import { normalCdf, normalUpperQuantile } from "../distributions/index.js";
import { effectMoments, type RelativeMethod } from "../moments/effect.js";
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
  /**
   * Relative scale only: how the chance to win is computed. Default "fieller": P(m_B > m_A) from the
   * absolute effect's posterior (the prior rescaled by |m_A|), the same event as a positive lift, so
   * swapping the arms turns c into 1 − c (flat prior). "delta": GrowthBook's P(lift > 0) under the
   * delta-method Gaussian, which is not symmetric in the arms. Estimate, CI and risk are the
   * delta-method posterior's either way.
   */
  readonly relative?: RelativeMethod;
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
  const relative =
    o.relative === undefined ? "fieller" : checkOneOf(o.relative, ["fieller", "delta"], "options.relative");
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
  const [mu, sigma] = posterior(
    m.estimate,
    m.standardError,
    prior,
    scale === "absolute" ? m.control.mean : 1,
  );
  let chanceToWin = normalCdf(mu / sigma);
  if (scale === "relative" && relative === "fieller" && m.contrast !== undefined) {
    // A positive lift is the event m_B > m_A: take its probability from the absolute effect, whose
    // likelihood N(D̂, Var D̂) is symmetric in the arms (the delta-method one is not).
    const [muAbs, sigmaAbs] = posterior(
      m.contrast.difference,
      Math.sqrt(m.contrast.variance),
      prior,
      m.control.mean,
    );
    chanceToWin = normalCdf(muAbs / sigmaAbs);
  }
  const z = normalUpperQuantile(alpha / 2);
  return {
    ...means,
    estimate: mu,
    standardError: sigma,
    ci: [mu - z * sigma, mu + z * sigma],
    chanceToWin,
    risk: risk(mu, sigma),
  };
}

/** Normal-normal update; the prior is on the relative lift, rescaled by |scaleMean| (1 when relative). */
function posterior(
  estimate: number,
  se: number,
  prior: GaussianPrior | undefined,
  scaleMean: number,
): [number, number] {
  if (prior === undefined) return [estimate, se];
  const f = Math.abs(scaleMean);
  const priorMean = prior.mean * f;
  const priorVariance = prior.variance * f * f;
  const precision = 1 / (se * se) + 1 / priorVariance;
  return [(estimate / (se * se) + priorMean / priorVariance) / precision, Math.sqrt(1 / precision)];
}
