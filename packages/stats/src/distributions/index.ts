/**
 * Distribution functions, wrapped so that every tail probability is computed directly in the tail
 * (never as 1 - cdf, which loses everything below ~1e-16) and every quantile is taken on the side
 * where the library is exact. All numerics come from @stdlib.
 */
import erfcinv from "@stdlib/math-base-special-erfcinv";
import gammainc from "@stdlib/math-base-special-gammainc";
import normalCdfImpl from "@stdlib/stats-base-dists-normal-cdf";
import tCdfImpl from "@stdlib/stats-base-dists-t-cdf";
import tQuantileImpl from "@stdlib/stats-base-dists-t-quantile";

/** Standard normal CDF Φ(x), accurate in the lower tail (erfc based). */
export function normalCdf(x: number): number {
  return normalCdfImpl(x, 0, 1);
}

/** Standard normal upper tail 1 - Φ(x), computed as Φ(-x). */
export function normalSurvival(x: number): number {
  return normalCdfImpl(-x, 0, 1);
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal quantile Φ⁻¹(p), through erfcinv on the side nearer to p so that p = 1e-300 is
 * exact (stdlib's normal quantile returns -Infinity below ~1e-17).
 */
export function normalQuantile(p: number): number {
  if (p < 0.5) return -Math.SQRT2 * erfcinv(2 * p);
  return Math.SQRT2 * erfcinv(2 * (1 - p));
}

/** Upper quantile: the z with 1 - Φ(z) = p, exact for tiny p. */
export function normalUpperQuantile(p: number): number {
  return -normalQuantile(p);
}

/** Student t CDF; falls back to the normal for infinite degrees of freedom. */
export function tCdf(x: number, df: number): number {
  if (df === Number.POSITIVE_INFINITY) return normalCdf(x);
  return tCdfImpl(x, df);
}

/** Student t upper tail P(T > x), computed as F(-x) (stdlib evaluates the lower tail directly). */
export function tSurvival(x: number, df: number): number {
  return tCdf(-x, df);
}

/** The t with P(T > t) = p, taken from the lower-tail quantile so that tiny p stays exact. */
export function tUpperQuantile(p: number, df: number): number {
  if (df === Number.POSITIVE_INFINITY) return normalUpperQuantile(p);
  if (p <= 0.5) return -tQuantileImpl(p, df);
  return tQuantileImpl(1 - p, df);
}

/** Chi-square upper tail P(X > x) with k degrees of freedom: the regularized upper incomplete gamma. */
export function chiSquareSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, k / 2, true, true);
}
