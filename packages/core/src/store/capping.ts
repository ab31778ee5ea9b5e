import { InvalidContextError } from "../errors/experiment-error.js";
import { statsOfValues } from "./centred-moments.js";
import type { CappedSummary, CapRequest } from "./event-store.js";

/**
 * A capped metric from the per-unit values of the units that have one (`valued`, each with its variant) and the
 * exposed units per variant (the others count as 0): the cap (the request's value, or the nearest-rank
 * percentile of all exposed units' values pooled), then per variant the statistics of min(value, cap). Every
 * store computes it with this function from the values it reads, so they agree by construction. Throws
 * `InvalidContextError` for a request that is not a cap (a percentile outside (0, 1), a non-finite value).
 */
export function cappedSummary(
  request: CapRequest,
  valued: ReadonlyArray<{ readonly variantId: string; readonly value: number }>,
  exposed: ReadonlyMap<string, number>,
): CappedSummary {
  const cap = capOf(request, valued, exposed);
  const byVariant = new Map<string, number[]>([...exposed.keys()].map((v) => [v, []]));
  for (const unit of valued) byVariant.get(unit.variantId)?.push(Math.min(unit.value, cap));
  const zero = Math.min(0, cap);
  return {
    metric: request.metric,
    cap,
    capping: "value" in request ? { value: request.value } : { percentile: request.percentile },
    variants: [...exposed].map(([variantId, n]) => {
      const values = byVariant.get(variantId)!;
      while (values.length < n) values.push(zero);
      return { variantId, ...statsOfValues(values) };
    }),
  };
}

function capOf(
  request: CapRequest,
  valued: ReadonlyArray<{ readonly value: number }>,
  exposed: ReadonlyMap<string, number>,
): number {
  if ("value" in request) {
    if (!Number.isFinite(request.value)) {
      throw new InvalidContextError(
        `capped[${JSON.stringify(request.metric)}].value must be finite, got ${request.value}`,
      );
    }
    return request.value;
  }
  const p = request.percentile;
  if (!(p > 0 && p < 1)) {
    throw new InvalidContextError(
      `capped[${JSON.stringify(request.metric)}].percentile must be strictly between 0 and 1, got ${p}`,
    );
  }
  let units = 0;
  for (const n of exposed.values()) units += n;
  if (units === 0) return 0;
  // Nearest rank over every exposed unit: the units without a value are zeros among the sorted values.
  const sorted = valued.map((u) => u.value).sort((a, b) => a - b);
  const zeros = units - sorted.length;
  const rank = nearestRank(p, units);
  const negatives = sorted.findIndex((v) => v >= 0);
  const below = negatives === -1 ? sorted.length : negatives;
  if (rank <= below) return sorted[rank - 1]!;
  if (rank <= below + zeros) return 0;
  return sorted[rank - zeros - 1]!;
}

/**
 * The 1-based nearest rank of percentile `p` among `n` values: ⌈p·n⌉, at least 1. p·n is rounded to 12 digits
 * first, so 0.07 · 100 (7.000000000000001 in doubles) is rank 7, not 8. Stores that find the cap themselves
 * use this too, so they pick the same unit.
 */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.ceil(Number((p * n).toPrecision(12))));
}
