import { InvalidContextError } from "../errors/experiment-error.js";
import { statsOfValues } from "./centred-moments.js";
import type { WindowedSummary, WindowRequest } from "./event-store.js";

/**
 * A windowed metric from the per-unit values of the units that have outcomes inside their window (`valued`,
 * each with its variant, already aggregated by kind) and the exposed units per variant (the others count as
 * 0). Every store computes it with this function from the values it reads. Throws `InvalidContextError` for a
 * window that is not a positive finite number of milliseconds.
 */
export function windowedSummary(
  request: WindowRequest,
  valued: ReadonlyArray<{ readonly variantId: string; readonly value: number }>,
  exposed: ReadonlyMap<string, number>,
): WindowedSummary {
  if (!(Number.isFinite(request.windowMs) && request.windowMs > 0)) {
    throw new InvalidContextError(
      `windowed[${JSON.stringify(request.metric)}].windowMs must be a positive number of milliseconds, got ${request.windowMs}`,
    );
  }
  const byVariant = new Map<string, number[]>([...exposed.keys()].map((v) => [v, []]));
  for (const unit of valued) byVariant.get(unit.variantId)?.push(unit.value);
  return {
    metric: request.metric,
    windowMs: request.windowMs,
    variants: [...exposed].map(([variantId, n]) => {
      const values = byVariant.get(variantId)!;
      while (values.length < n) values.push(0);
      return { variantId, ...statsOfValues(values) };
    }),
  };
}
