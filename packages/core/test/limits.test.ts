import { describe, expect, it } from "vitest";
import {
  DEFAULT_TIMESTAMP_WINDOW,
  InvalidContextError,
  MAX_DAILY_POINTS,
  MAX_OUTCOME_MAGNITUDE,
  MemoryEventStore,
  requireTimestamp,
  type SummaryRows,
  summaryFromRows,
  toOutcomeValue,
} from "../src/index.js";

const DAY = 86_400_000;

describe("outcome values a store can keep", () => {
  it("takes numbers and counts up to ±1e15 and refuses larger ones, naming the value", () => {
    expect(MAX_OUTCOME_MAGNITUDE).toBe(1e15);
    for (const ok of [1e15, -1e15, 0, 12.5])
      expect(toOutcomeValue(ok)).toEqual({ kind: "numeric", value: ok });
    expect(toOutcomeValue({ kind: "count", value: 1e15 })).toEqual({ kind: "count", value: 1e15 });
    const bad: Array<[unknown, RegExp]> = [
      [1e200, /^outcome value must be between -1e15 and 1e15 .*got 1e\+200$/],
      [-1.0000000000000002e15, /outcome value must be between -1e15 and 1e15/],
      [
        { kind: "numeric", value: 2e15 },
        /^numeric outcome value must be between -1e15 and 1e15 .*got 2000000000000000$/,
      ],
      [{ kind: "count", value: 9e15 }, /^count outcome value must be between -1e15 and 1e15/],
    ];
    for (const [input, message] of bad) {
      expect(() => toOutcomeValue(input)).toThrowError(message);
      expect(() => toOutcomeValue(input)).toThrowError(InvalidContextError);
    }
  });

  it("keeps a sum of squares over 1e9 units of the largest value finite", () => {
    expect(Number.isFinite(1e9 * MAX_OUTCOME_MAGNITUDE ** 2)).toBe(true);
  });
});

describe("timestamps within a window around now", () => {
  it("defaults to −10 years … +1 day", () => {
    expect(DEFAULT_TIMESTAMP_WINDOW).toEqual({ maxAgeMs: 3652.5 * DAY, maxAheadMs: DAY });
  });

  it("accepts the window's edges and refuses past them, naming the field and the bounds", () => {
    const now = Date.now();
    const w = DEFAULT_TIMESTAMP_WINDOW;
    expect(() => requireTimestamp(new Date(now + DAY - 60_000), "outcome", "timestamp", w)).not.toThrow();
    expect(() => requireTimestamp(new Date(now - 3652 * DAY), "outcome", "timestamp", w)).not.toThrow();
    expect(() => requireTimestamp(new Date(now + 2 * DAY), "outcome", "timestamp", w)).toThrowError(
      /^outcome\.timestamp must be between \d{4}-.*Z and \d{4}-.*Z \(10 years before now to 1 day after; the pipeline's timestampWindow option\), got \d{4}-/,
    );
    expect(() => requireTimestamp(new Date(8.64e15), "exposure", "timestamp", w)).toThrowError(
      /exposure\.timestamp must be between .* got \+275760-09-13T00:00:00\.000Z$/,
    );
    expect(() => requireTimestamp(new Date(now - 3653 * DAY), "exposure", "timestamp", w)).toThrowError(
      InvalidContextError,
    );
  });

  it("takes a recent clock reading, and checks a refused time again against the clock itself", () => {
    const tight = { maxAgeMs: 1000, maxAheadMs: 0 };
    const stale = Date.now() - 60_000; // a reading a minute old: now looks a minute ahead of it
    expect(() => requireTimestamp(new Date(), "e", "timestamp", tight, stale)).not.toThrow();
    expect(() =>
      requireTimestamp(new Date(Date.now() + 60_000), "e", "timestamp", tight, stale),
    ).toThrowError(/e\.timestamp must be between/);
    expect(() => requireTimestamp(new Date(stale), "e", "timestamp", tight, Date.now())).toThrowError(
      /1000 ms before now to 0 ms after/,
    );
  });

  it("is configurable, and without a window only validity and 1970 are checked", () => {
    const old = new Date(Date.UTC(2001, 0, 1));
    expect(() => requireTimestamp(old, "e", "timestamp", DEFAULT_TIMESTAMP_WINDOW)).toThrowError(
      /e\.timestamp must be between/,
    );
    const backfill = { maxAgeMs: Number.POSITIVE_INFINITY, maxAheadMs: 60 * 60_000 };
    expect(() => requireTimestamp(old, "e", "timestamp", backfill)).not.toThrow();
    expect(() =>
      requireTimestamp(new Date(Date.now() + 2 * 60 * 60_000), "e", "timestamp", backfill),
    ).toThrowError(/any time before now to 60 minutes after/);
    expect(() => requireTimestamp(new Date(8.64e15), "e")).not.toThrow();
    expect(() => requireTimestamp(new Date(-1), "e", undefined, backfill)).toThrowError(/at or after 1970/);
  });
});

describe("a daily series bounded in rows whatever the data", () => {
  const rows = (lastDay: number): SummaryRows => ({
    exposures: [
      { variantId: "control", day: 20_000, firstUnits: 1, exposures: 1 },
      { variantId: "control", day: lastDay, firstUnits: 1, exposures: 1 },
    ],
    kinds: [{ metric: "m", kind: "numeric", outcomes: 2 }],
    metrics: [
      { metric: "m", variantId: "control", day: 1, sum: 5, sumSquares: 25, counted: 1 }, // before the first exposure
      { metric: "m", variantId: "control", day: lastDay, sum: 1, sumSquares: 1, counted: 1 },
    ],
    unitsInSeveralVariants: 0,
  });

  it("stops after MAX_DAILY_POINTS days and says so; the totals still count every event", () => {
    const farFuture = Math.floor(8.64e15 / DAY); // +275760-09-13
    const started = Date.now();
    const summary = summaryFromRows("x", rows(farFuture), { daily: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(summary.daily).toHaveLength(MAX_DAILY_POINTS);
    expect(summary.daily?.[0]?.day).toBe("2024-10-04");
    expect(summary.daily?.[0]?.metrics[0]?.variants[0]).toMatchObject({ sum: 5 }); // the early delta folded in
    expect(summary.dailyTruncated).toEqual({
      maxPoints: 4000,
      shownThrough: summary.daily?.at(-1)?.day,
      lastDay: "+275760-09-13",
      omittedDays: farFuture - (20_000 + MAX_DAILY_POINTS - 1),
    });
    expect(summary.variants).toEqual([{ variantId: "control", exposedUnits: 2, exposures: 2 }]);
    expect(summary.metrics[0]?.variants[0]).toMatchObject({ sum: 6, sumSquares: 26 });
  });

  it("leaves a series within the bound whole, with no note", () => {
    const summary = summaryFromRows("x", rows(20_009), { daily: true });
    expect(summary.daily).toHaveLength(10);
    expect(summary.dailyTruncated).toBeUndefined();
  });

  it("bounds the reference summary (memory store) the same way", async () => {
    const store = new MemoryEventStore();
    await store.append([
      {
        type: "exposure",
        eventId: "a",
        experiment: "x",
        variantId: "v",
        userId: "u",
        timestamp: new Date(20_000 * DAY),
      },
      {
        type: "exposure",
        eventId: "b",
        experiment: "x",
        variantId: "v",
        userId: "w",
        timestamp: new Date(20_000 * DAY + 5000 * DAY),
      },
    ]);
    const summary = await store.summarize({ experiment: "x", daily: true });
    expect(summary.daily).toHaveLength(MAX_DAILY_POINTS);
    expect(summary.dailyTruncated).toMatchObject({ omittedDays: 1001 }); // days 24000 … 25000
  });
});
