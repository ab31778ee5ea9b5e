import type { SeededRandom } from "./random.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Visits by hour of day (UTC): quiet at night, a lunchtime bump, the evening peak. */
const HOURLY = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 10, 9, 8, 8, 8, 9, 11, 13, 13, 11, 7, 4] as const;
const HOURLY_TOTAL = HOURLY.reduce((a, b) => a + b, 0);
/** Saturday and Sunday bring three quarters of a weekday's visitors. */
const WEEKEND = 0.75;

/** When visitors arrive over the simulated days: weekly and daily rhythms, no day empty. */
export class Traffic {
  readonly start: number;
  readonly end: number;
  private readonly dayWeights: number[];
  private readonly dayTotal: number;

  /** `days` days ending with `end` (`YYYY-MM-DD`, UTC), up to its midnight. */
  constructor(days: number, end: string) {
    this.end = Date.parse(`${end}T00:00:00Z`) + DAY_MS;
    this.start = this.end - days * DAY_MS;
    this.dayWeights = Array.from({ length: days }, (_, d) => {
      const weekday = new Date(this.start + d * DAY_MS).getUTCDay();
      return weekday === 0 || weekday === 6 ? WEEKEND : 1;
    });
    this.dayTotal = this.dayWeights.reduce((a, b) => a + b, 0);
  }

  /** A visitor's first visit, in ms since the epoch. */
  arrival(random: SeededRandom): number {
    const day = random.pick(this.dayWeights, this.dayTotal);
    const hour = random.pick(HOURLY, HOURLY_TOTAL);
    return this.start + day * DAY_MS + hour * HOUR_MS + Math.floor(random.uniform() * HOUR_MS);
  }

  /** `at` plus an exponential wait of `meanMs`, or undefined past the end of the data set. */
  later(random: SeededRandom, at: number, meanMs: number): number | undefined {
    const t = at + 1000 + Math.floor(random.exponential(meanMs));
    return t < this.end ? t : undefined;
  }
}
