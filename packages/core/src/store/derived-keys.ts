import type { CupedRequest, RatioPair, WindowRequest } from "./event-store.js";

/**
 * The names the stores keep derived metrics and cross-products under, once a summary asked for them (see
 * the SQLite and PostgreSQL stores' derived.ts): one spelling for both, so a key is never read under another.
 * A key is unique per analysis scope and unit mode; it never reaches a summary.
 */
export function windowKey(request: WindowRequest): string {
  return `window:${request.windowMs}:${request.metric}`;
}

/** A CUPED pre-period covariate's key. */
export function preKey(request: CupedRequest): string {
  return `pre:${request.preWindowMs}:${request.metric}`;
}

/** A ratio's numerator × denominator product's key. */
export function ratioPairKey(pair: RatioPair): string {
  return `m:${JSON.stringify([pair.numerator, pair.denominator])}`;
}

/** A CUPED metric × pre-period value product's key. */
export function cupedPairKey(request: CupedRequest): string {
  return `d:${JSON.stringify([request.metric, preKey(request)])}`;
}
