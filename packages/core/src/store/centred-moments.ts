/**
 * Sums that keep a variance when the mean is large against the spread. Naive sums of v and v² lose it:
 * `Σv² − (Σv)²/n` cancels, so sd 0.01 around 1e6 (1e-16 of the mean's square) is lost outright, and a value
 * that is the same for every unit comes out slightly non-zero or negative. Stores therefore keep sums centred on
 * a reference value (any value near the data; the stores use one of the first units' values) and these
 * functions turn them into the summary's statistics.
 */

/** Centred sums of one metric in one variant, as a store keeps them. */
export interface CentredSums {
  /** Units in the variant (exposed units: a unit with no outcome has the value 0). */
  readonly n: number;
  /** The value the sums are centred on. */
  readonly reference: number;
  /** Units that have a value (the others count as 0). */
  readonly valuedUnits: number;
  /** Σ(v − reference) over the units that have a value. */
  readonly centredSum: number;
  /** Σ(v − reference)² over the units that have a value. */
  readonly centredSquares: number;
}

/** n, sum, sum of squares and Σ(v − mean)² from centred sums; the units without a value count as 0. */
export function statsFromCentred(sums: CentredSums): {
  n: number;
  sum: number;
  sumSquares: number;
  sumSquaredDeviations: number;
} {
  const { n, reference } = sums;
  if (n === 0) return { n, sum: 0, sumSquares: 0, sumSquaredDeviations: 0 };
  const zeros = n - sums.valuedUnits;
  // Over all n units, centred on the reference: a unit without a value is 0 − reference.
  const s1 = sums.centredSum - zeros * reference;
  const s2 = sums.centredSquares + zeros * reference * reference;
  return {
    n,
    sum: sums.valuedUnits * reference + sums.centredSum,
    sumSquares: s2 + reference * (2 * s1 + n * reference),
    // Rounding can take a true 0 a hair below; a sum of squares is never negative.
    sumSquaredDeviations: Math.max(0, s2 - (s1 * s1) / n),
  };
}

/** n, sum, sum of squares and Σ(v − mean)² of values held in memory: compensated sums, two passes. */
export function statsOfValues(values: readonly number[]): {
  n: number;
  sum: number;
  sumSquares: number;
  sumSquaredDeviations: number;
} {
  const n = values.length;
  if (n === 0) return { n, sum: 0, sumSquares: 0, sumSquaredDeviations: 0 };
  const sum = new CompensatedSum();
  const squares = new CompensatedSum();
  for (const v of values) {
    sum.add(v);
    squares.add(v * v);
  }
  const mean = sum.value / n;
  const shift = new CompensatedSum();
  const deviations = new CompensatedSum();
  for (const v of values) {
    shift.add(v - mean);
    deviations.add((v - mean) * (v - mean));
  }
  const s = shift.value;
  return {
    n,
    sum: sum.value,
    sumSquares: squares.value,
    sumSquaredDeviations: Math.max(0, deviations.value - (s * s) / n),
  };
}

/** Neumaier's compensated sum: the rounding of each addition is carried, so n additions err by O(ε), not O(nε). */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(v: number): void {
    const t = this.sum + v;
    this.compensation += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
