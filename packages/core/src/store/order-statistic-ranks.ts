/**
 * Ranks of the distribution-free confidence interval of a quantile: for n values drawn from a continuous
 * distribution with p-quantile q, the number B of values at or below q is Binomial(n, p), so the order
 * statistics x_(l) ≤ q < x_(u) hold exactly when l ≤ B ≤ u − 1. The ranks are the narrowest with equal tails:
 * `lower` the largest l with P(B ≤ l − 1) ≤ α/2, `upper` the smallest u with P(B ≥ u) ≤ α/2, from the exact
 * binomial probabilities for every n (nothing is approximated by the normal; the probabilities further than
 * 20 standard deviations + 20 from n·p are left out, which moves a tail by less than 1e-40). When no rank
 * meets a tail's bound (small n, or p near 0 or 1), the rank is clamped to 1 or n and `coverage`, the exact
 * P(l ≤ B ≤ u − 1), says what the interval then covers (below the confidence asked for).
 */
export interface OrderStatisticRanks {
  /** 1-based rank of the interval's lower end, 1 ≤ lower ≤ upper ≤ n. */
  readonly lower: number;
  /** 1-based rank of the interval's upper end. */
  readonly upper: number;
  /** P(lower ≤ B ≤ upper − 1) for B ~ Binomial(n, p): the interval's coverage for a continuous distribution. */
  readonly coverage: number;
}

/** See {@link OrderStatisticRanks}; `n` ≥ 1, `p` and `confidence` strictly between 0 and 1 (checked by the caller). */
export function orderStatisticRanks(n: number, p: number, confidence: number): OrderStatisticRanks {
  const tail = (1 - confidence) / 2;
  const sd = Math.sqrt(n * p * (1 - p));
  const from = Math.max(0, Math.floor(n * p - 20 * sd - 20));
  const to = Math.min(n, Math.ceil(n * p + 20 * sd + 20));
  const pmf = binomialPmf(n, p, from, to);
  // P(B ≤ k) summed from the bottom and P(B ≥ k) from the top, so each small tail keeps its digits (outside
  // [from, to] they are 0 or 1).
  const lowerSums: number[] = [];
  let sum = 0;
  for (const mass of pmf) {
    sum += mass;
    lowerSums.push(sum);
  }
  const upperSums: number[] = new Array(pmf.length);
  sum = 0;
  for (let i = pmf.length - 1; i >= 0; i--) {
    sum += pmf[i]!;
    upperSums[i] = sum;
  }
  const cdf = (k: number): number => (k < from ? 0 : k > to ? 1 : lowerSums[k - from]!);
  const sf = (k: number): number => (k > to ? 0 : k < from ? 1 : upperSums[k - from]!);
  // l: the largest rank with P(B ≤ l − 1) ≤ α/2 (else 1); u: the smallest with P(B ≥ u) ≤ α/2 (else n).
  let lower = 1;
  for (let l = Math.max(1, from + 1); l <= n && cdf(l - 1) <= tail; l++) lower = l;
  let upper = n;
  for (let u = Math.min(n, to); u >= 1 && sf(u) <= tail; u--) upper = u;
  // Both tails qualifying make l ≤ u (P(B ≤ l − 1) + P(B ≥ u) ≥ 1 otherwise); a clamped one is 1 or n.
  const coverage = 1 - cdf(lower - 1) - sf(upper);
  return { lower, upper, coverage: Math.max(0, Math.min(1, coverage)) };
}

/** P(B = k) for k = from..to, B ~ Binomial(n, p), each from its logarithm (no underflow of the running term). */
function binomialPmf(n: number, p: number, from: number, to: number): number[] {
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let log = logFactorial(n) - logFactorial(from) - logFactorial(n - from) + from * logP + (n - from) * logQ;
  const out: number[] = [Math.exp(log)];
  const odds = logP - logQ;
  for (let k = from; k < to; k++) {
    log += Math.log((n - k) / (k + 1)) + odds;
    out.push(Math.exp(log));
  }
  return out;
}

const SMALL = 256;
const LOG_FACTORIALS: number[] = (() => {
  const table = [0];
  for (let k = 1; k < SMALL; k++) table.push(table[k - 1]! + Math.log(k));
  return table;
})();

/** ln(k!): summed logarithms below 256, Stirling's series above (relative error below 1e-16 there). */
export function logFactorial(k: number): number {
  if (k < SMALL) return LOG_FACTORIALS[k]!;
  const x = k + 1;
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}
