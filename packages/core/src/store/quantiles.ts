import { InvalidContextError } from "../errors/experiment-error.js";
import { orderStatisticRanks } from "./order-statistic-ranks.js";

/**
 * A quantile of a metric's per-unit values per variant (`SummaryQuery.quantiles`): the per-unit value is the
 * unit's aggregate as for every metric (bool: any, else the sum), and the units without an outcome count as 0
 * unless `ignoreZeros` is set.
 */
export interface QuantileRequest {
  readonly metric: string;
  /** Which quantile, strictly between 0 and 1 (0.9 is the p90). */
  readonly probability: number;
  /** Confidence of the order-statistic interval, strictly between 0 and 1. Default 0.95. */
  readonly confidence?: number;
  /**
   * Only the units whose value is not 0 count (latency: a unit that made no request has none). Default false:
   * every exposed unit counts, those without an outcome as 0.
   */
  readonly ignoreZeros?: boolean;
}

/** One variant's quantile: the nearest-rank estimate and the distribution-free interval around it. */
export interface QuantileVariant {
  readonly variantId: string;
  /** Units the quantile is over (every exposed unit, or the nonzero ones with `ignoreZeros`). */
  readonly n: number;
  /** The nearest-rank estimate, x_(rank) with rank = ⌈p·n⌉ (p·n rounded to 12 digits first). 0 when n = 0. */
  readonly estimate: number;
  readonly rank: number;
  /** x_(lowerRank) and x_(upperRank), the order-statistic interval (see `orderStatisticRanks`). */
  readonly lower: number;
  readonly lowerRank: number;
  readonly upper: number;
  readonly upperRank: number;
  /**
   * The interval's exact coverage for a continuous distribution, P(lowerRank ≤ B ≤ upperRank − 1) with B ~
   * Binomial(n, p): the confidence asked for or more, unless n is too small for it (then less; 0 when n = 0).
   */
  readonly coverage: number;
}

/** A quantile request's answer: per variant of the summary, in its order. */
export interface QuantileSummary {
  readonly metric: string;
  readonly probability: number;
  readonly confidence: number;
  readonly ignoreZeros: boolean;
  readonly variants: readonly QuantileVariant[];
}

/** The confidence of a request that names none. */
export const DEFAULT_QUANTILE_CONFIDENCE = 0.95;

/**
 * A quantile of a metric from the per-unit values of the units that have one (`valued`, each with its variant)
 * and the exposed units per variant (the others count as 0, or not at all with `ignoreZeros`). Every store
 * computes it with this function from the values it reads, so they agree by construction; it sorts each
 * variant's values, O(units log units) at summary time. The interval's ranks are the exact binomial ones of
 * `orderStatisticRanks` for every n: distribution-free for a continuous distribution; with ties (many zeros,
 * small integer counts) x_(l) and x_(u) may coincide and the interval is then conservative. Throws
 * `InvalidContextError` for a probability or confidence outside (0, 1).
 */
export function quantileSummary(
  request: QuantileRequest,
  valued: ReadonlyArray<{ readonly variantId: string; readonly value: number }>,
  exposed: ReadonlyMap<string, number>,
): QuantileSummary {
  const p = request.probability;
  const confidence = request.confidence ?? DEFAULT_QUANTILE_CONFIDENCE;
  const where = `quantiles[${JSON.stringify(request.metric)}]`;
  if (!(p > 0 && p < 1)) {
    throw new InvalidContextError(`${where}.probability must be strictly between 0 and 1, got ${p}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new InvalidContextError(`${where}.confidence must be strictly between 0 and 1, got ${confidence}`);
  }
  const ignoreZeros = request.ignoreZeros === true;
  const byVariant = new Map<string, number[]>([...exposed.keys()].map((v) => [v, []]));
  for (const unit of valued) {
    if (ignoreZeros && unit.value === 0) continue;
    byVariant.get(unit.variantId)?.push(unit.value);
  }
  return {
    metric: request.metric,
    probability: p,
    confidence,
    ignoreZeros,
    variants: [...exposed].map(([variantId, exposedUnits]) => {
      const values = byVariant.get(variantId)!.sort((a, b) => a - b);
      // The units without a value are zeros among the sorted values (none of them with ignoreZeros).
      const zeros = ignoreZeros ? 0 : Math.max(0, exposedUnits - values.length);
      return quantileOf(variantId, values, zeros, p, confidence);
    }),
  };
}

function quantileOf(
  variantId: string,
  sorted: readonly number[],
  zeros: number,
  p: number,
  confidence: number,
): QuantileVariant {
  const n = sorted.length + zeros;
  if (n === 0) {
    return {
      variantId,
      n,
      estimate: 0,
      rank: 0,
      lower: 0,
      lowerRank: 0,
      upper: 0,
      upperRank: 0,
      coverage: 0,
    };
  }
  // 1-based; p·n rounded to 12 digits first, so 0.07 · 100 (7.000000000000001 in doubles) is rank 7, not 8
  const rank = Math.max(1, Math.ceil(Number((p * n).toPrecision(12))));
  const ranks = orderStatisticRanks(n, p, confidence);
  const negatives = sorted.findIndex((v) => v >= 0);
  const below = negatives === -1 ? sorted.length : negatives;
  const at = (r: number): number =>
    r <= below ? sorted[r - 1]! : r <= below + zeros ? 0 : sorted[r - zeros - 1]!;
  return {
    variantId,
    n,
    estimate: at(rank),
    rank,
    lower: at(ranks.lower),
    lowerRank: ranks.lower,
    upper: at(ranks.upper),
    upperRank: ranks.upper,
    coverage: ranks.coverage,
  };
}
