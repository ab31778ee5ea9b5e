import { checkOneOf, show } from "../validation/checks.js";
import { StatsInputError } from "../validation/stats-input-error.js";

/**
 * Multiple-comparison correction. "bonferroni" and "holm" control the family-wise error rate;
 * "bh" (Benjamini–Hochberg) the false discovery rate; "none" returns the p-values unchanged.
 */
export type Correction = "none" | "bonferroni" | "holm" | "bh";

/** Every accepted `Correction` value. */
export const CORRECTIONS: readonly Correction[] = ["none", "bonferroni", "holm", "bh"];

/**
 * Adjusted p-values, in the order of the input (GrowthBook's Holm and BH, unsorted back).
 * - Bonferroni: min(1, m·p).
 * - Holm: sorted ascending, p₍ᵢ₎·(m - i) (i from 0), made non-decreasing, capped at 1.
 * - BH: sorted descending, p·m/rank, made non-increasing from the largest, capped at 1.
 */
export function adjust(pValues: readonly number[], method: Correction): number[] {
  if (!Array.isArray(pValues)) throw new StatsInputError("pValues", `must be an array, got ${show(pValues)}`);
  pValues.forEach((p, i) => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new StatsInputError(`pValues[${i}]`, `must be a number between 0 and 1, got ${show(p)}`);
    }
  });
  checkOneOf(method, CORRECTIONS, "method");
  const m = pValues.length;
  if (method === "none") return [...pValues];
  if (method === "bonferroni") return pValues.map((p) => Math.min(1, p * m));
  const out = new Array<number>(m);
  if (method === "holm") {
    const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] ?? 0) - (pValues[b] ?? 0) || a - b);
    let running = 0;
    order.forEach((idx, rank) => {
      running = Math.max(running, Math.min(1, (pValues[idx] ?? 0) * (m - rank)));
      out[idx] = running;
    });
    return out;
  }
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[b] ?? 0) - (pValues[a] ?? 0) || a - b);
  let running = 1;
  order.forEach((idx, i) => {
    // p · (m / rank): the factor is ≥ 1 after rounding, so an adjusted p is never below the raw one.
    running = Math.min(running, Math.min(1, (pValues[idx] ?? 0) * (m / (m - i))));
    out[idx] = running;
  });
  return out;
}
