import erfcx from "@stdlib/math-base-special-erfcx";
import { normalCdf, normalPdf } from "../distributions/index.js";

/**
 * E[max(X, 0)] for X ~ N(mu, sigma²): the expected loss of not choosing a side whose effect is X.
 * For mu ≥ 0 it is σ(φ(a) + aΦ(a)) with a = mu/σ (no cancellation); for mu < 0 it is written with the
 * Mills ratio, σφ(a)(1 - |a|·R(|a|)) with R(x) = √(π/2)·erfcx(x/√2), so the far tail does not cancel to
 * garbage (it underflows cleanly to 0 beyond |a| ≈ 38).
 */
export function expectedPositivePart(mu: number, sigma: number): number {
  if (sigma === 0) return Math.max(mu, 0);
  const a = mu / sigma;
  if (a >= 0) return sigma * (normalPdf(a) + a * normalCdf(a));
  const x = -a;
  const mills = Math.sqrt(Math.PI / 2) * erfcx(x / Math.SQRT2);
  return sigma * normalPdf(x) * Math.max(1 - x * mills, 0);
}

/** Risk (expected loss) of choosing control and of choosing treatment when the effect is N(mu, sigma²). */
export function risk(mu: number, sigma: number): [number, number] {
  return [expectedPositivePart(mu, sigma), expectedPositivePart(-mu, sigma)];
}
