/**
 * Power of the confidence sequence looked at K times: the chance that the standardised effect crosses
 * the sequence's boundary at one of the looks, computed by recursive numerical integration (Armitage,
 * McPherson & Rowe 1969) — deterministic, no simulation.
 *
 * Time t = n/N runs over (0, 1] (N the planned units per arm); with θ = Δ/SE(N) the drift, the score
 * X(t) = t·Δ̂(t)/SE(N) is Brownian motion with drift θ, and the test at look k rejects when
 * |X(t_k)| > c_k = m(t_k)·√t_k (one-sided: X > c_k), m the multiplier at that look's sample size. The
 * density of X among the paths not yet stopped is carried on a grid from look to look (trapezoid
 * rule, Gaussian kernel cut at ±9 sd of the increment).
 */
import { normalCdf } from "../distributions/index.js";

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Nodes of one look: lattice points i·h inside (lo, hi), plus the two ends; trapezoid weights. */
interface Nodes {
  readonly x: Float64Array;
  readonly w: Float64Array;
  /** Lattice index of x[1] (x[0] is the lower end). */
  readonly firstIndex: number;
}

function nodes(lo: number, hi: number, h: number): Nodes {
  const firstIndex = Math.floor(lo / h) + 1;
  const lastIndex = Math.ceil(hi / h) - 1;
  const inner = Math.max(0, lastIndex - firstIndex + 1);
  const x = new Float64Array(inner + 2);
  x[0] = lo;
  for (let i = 0; i < inner; i++) x[i + 1] = (firstIndex + i) * h;
  x[inner + 1] = hi;
  const w = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const left = i === 0 ? 0 : (x[i] as number) - (x[i - 1] as number);
    const right = i === x.length - 1 ? 0 : (x[i + 1] as number) - (x[i] as number);
    w[i] = (left + right) / 2;
  }
  return { x, w, firstIndex };
}

/**
 * P(reject at some look). `drift` is θ (already oriented for one-sided tests: positive is towards the
 * rejection side); `criticalAt(k)` is the multiplier m at look k (1-based) of `looks`, equally spaced.
 */
export function crossingProbability(
  drift: number,
  looks: number,
  criticalAt: (k: number) => number,
  twoSided: boolean,
): number {
  const dt = 1 / looks;
  const sd = Math.sqrt(dt);
  const mean = drift * dt; // the increment's mean
  let bound = criticalAt(1) * sd;
  let crossed = normalCdf((mean - bound) / sd);
  if (twoSided) crossed += normalCdf((-bound - mean) / sd);
  if (looks === 1) return Math.min(1, crossed);
  // Lattice spacing a quarter of the increment's sd; the kernel between lattice points depends only
  // on their offset, so it is tabulated once.
  const h = sd / 4;
  const reach = Math.ceil((9 * sd + Math.abs(mean)) / h);
  const kernel = new Float64Array(2 * reach + 1);
  for (let o = -reach; o <= reach; o++) {
    const z = (o * h - mean) / sd;
    kernel[o + reach] = Math.exp(-0.5 * z * z) / (sd * SQRT_2PI);
  }
  const tail = (x: number) => Math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * SQRT_2PI);
  let lo = twoSided ? -bound : Math.min(mean, 0) - 9 * sd;
  let src = nodes(lo, bound, h);
  let density = new Float64Array(src.x.length);
  for (let i = 0; i < src.x.length; i++) density[i] = tail(src.x[i] as number);
  for (let k = 2; k <= looks; k++) {
    const nextBound = criticalAt(k) * Math.sqrt(k * dt);
    const mass = new Float64Array(src.x.length);
    for (let i = 0; i < src.x.length; i++) {
      const m = (src.w[i] as number) * (density[i] as number);
      mass[i] = m;
      if (m === 0) continue;
      const x = (src.x[i] as number) + mean;
      // beyond 9 sd from a boundary the crossing chance is below 1e-19: skip the CDF
      if (nextBound - x < 9 * sd) crossed += m * normalCdf((x - nextBound) / sd);
      if (twoSided && x + nextBound < 9 * sd) crossed += m * normalCdf((-nextBound - x) / sd);
    }
    if (k === looks) break;
    const nextLo = twoSided ? -nextBound : Math.min(lo, drift * k * dt - 9 * Math.sqrt(k * dt));
    const dst = nodes(nextLo, nextBound, h);
    const next = new Float64Array(dst.x.length);
    const last = src.x.length - 1;
    for (let j = 0; j < dst.x.length; j++) {
      const y = dst.x[j] as number;
      // the two end nodes are off the lattice: their kernel is computed directly
      let sum =
        (mass[0] as number) * tail(y - (src.x[0] as number)) +
        (mass[last] as number) * tail(y - (src.x[last] as number));
      if (j === 0 || j === dst.x.length - 1) {
        for (let i = 1; i < last; i++) sum += (mass[i] as number) * tail(y - (src.x[i] as number));
      } else {
        const yIndex = dst.firstIndex + j - 1;
        // lattice offsets o = yIndex − xIndex within the kernel's reach
        const from = Math.max(1, yIndex - reach - src.firstIndex + 1);
        const to = Math.min(last - 1, yIndex + reach - src.firstIndex + 1);
        for (let i = from; i <= to; i++) {
          sum += (mass[i] as number) * (kernel[yIndex - (src.firstIndex + i - 1) + reach] as number);
        }
      }
      next[j] = sum;
    }
    src = dst;
    density = next;
    bound = nextBound;
    lo = nextLo;
  }
  return Math.min(1, crossed);
}
