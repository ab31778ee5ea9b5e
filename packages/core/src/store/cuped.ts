import { InvalidContextError } from "../errors/experiment-error.js";
import { CompensatedSum } from "./centred-moments.js";
import type { CupedRequest, CupedSummary } from "./event-store.js";

/**
 * A metric's CUPED covariate statistics from the units that have a pre-period value (`units`: each with its
 * variant, pre-period value x and metric value y; a unit without one has x = 0 and adds nothing) and the
 * variants. Every store computes it with this function from the values it reads. Throws `InvalidContextError`
 * for a pre-period that is not a positive finite number of milliseconds.
 */
export function cupedSummary(
  request: CupedRequest,
  units: ReadonlyArray<{ readonly variantId: string; readonly x: number; readonly y: number }>,
  variantIds: readonly string[],
): CupedSummary {
  if (!(Number.isFinite(request.preWindowMs) && request.preWindowMs > 0)) {
    throw new InvalidContextError(
      `cuped[${JSON.stringify(request.metric)}].preWindowMs must be a positive number of milliseconds, got ${request.preWindowMs}`,
    );
  }
  const sums = new Map(
    variantIds.map((v) => [
      v,
      { sum: new CompensatedSum(), squares: new CompensatedSum(), products: new CompensatedSum() },
    ]),
  );
  for (const unit of units) {
    const s = sums.get(unit.variantId);
    if (s === undefined) continue;
    s.sum.add(unit.x);
    s.squares.add(unit.x * unit.x);
    s.products.add(unit.x * unit.y);
  }
  return {
    metric: request.metric,
    preWindowMs: request.preWindowMs,
    variants: variantIds.map((variantId) => {
      const s = sums.get(variantId)!;
      return { variantId, sum: s.sum.value, sumSquares: s.squares.value, sumProducts: s.products.value };
    }),
  };
}
