/**
 * The most points a daily series has: 4,000 days, about 11 years, more than the default timestamp window
 * (−10 years … +1 day) can span. Stored data can still span more (events from before a window was set, or a
 * window widened for a backfill); the series then stops after this many days and says so
 * (`ExperimentSummary.dailyTruncated`), instead of allocating one row per day up to a stray timestamp in the
 * year 275760.
 */
export const MAX_DAILY_POINTS = 4000;

const DAY_MS = 86_400_000;

/** Where a daily series from `firstDay` to `lastDay` (days since 1970) ends, and the note when it is cut. */
export function dailyEnd(
  firstDay: number,
  lastDay: number,
): { readonly end: number; readonly truncated?: DailyTruncation } {
  const end = Math.min(lastDay, firstDay + MAX_DAILY_POINTS - 1);
  if (end === lastDay) return { end };
  return {
    end,
    truncated: {
      maxPoints: MAX_DAILY_POINTS,
      shownThrough: dayString(end),
      lastDay: dayString(lastDay),
      omittedDays: lastDay - end,
    },
  };
}

/** A daily series cut at MAX_DAILY_POINTS; the summary's totals still count every event. */
export interface DailyTruncation {
  readonly maxPoints: number;
  /** The last day of the series (`YYYY-MM-DD`, UTC). */
  readonly shownThrough: string;
  /** The day of the last counted event (`YYYY-MM-DD`, UTC; at most +275760-09-13). */
  readonly lastDay: string;
  /** Days after `shownThrough` up to `lastDay` that have no point. */
  readonly omittedDays: number;
}

/** `YYYY-MM-DD` (UTC) of a day since 1970; `+YYYYYY-MM-DD` past the year 9999, as toISOString writes it. */
export function dayString(day: number): string {
  const iso = new Date(day * DAY_MS).toISOString();
  return iso.slice(0, iso.indexOf("T"));
}
