import { MemoryEventStore, type StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { BatchingEventStore } from "../src/index.js";

const DAY = 86_400_000;
const outcome = (value: unknown, timestamp = new Date()): StoredEvent =>
  ({
    type: "outcome",
    eventId: `o${Math.random()}`,
    experiment: "x",
    metric: "revenue",
    value,
    userId: "u",
    timestamp,
  }) as StoredEvent;

describe("the pipeline refuses values and times no store can keep, naming the field", () => {
  it("refuses |value| > 1e15 and timestamps outside −10 years … +1 day by default, and stores the rest", async () => {
    const inner = new MemoryEventStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1 });
    await expect(store.record(outcome({ kind: "numeric", value: 1e200 }))).rejects.toMatchObject({
      code: "INVALID_CONTEXT",
      message: expect.stringMatching(/^outcome\.value must be between -1e15 and 1e15 .*got numeric 1e\+200$/),
    });
    await expect(store.append([outcome({ kind: "count", value: -2e15 })])).rejects.toThrowError(
      /outcome\.value must be between -1e15 and 1e15/,
    );
    const future = new Date(Date.now() + 8000 * 365 * DAY);
    await expect(store.record(outcome({ kind: "numeric", value: 1 }, future))).rejects.toMatchObject({
      code: "INVALID_CONTEXT",
      message: expect.stringMatching(
        /^outcome\.timestamp must be between .* \(10 years before now to 1 day after/,
      ),
    });
    await expect(
      store.record(outcome({ kind: "bool", value: true }, new Date(Date.now() - 11 * 365 * DAY))),
    ).rejects.toThrowError(/outcome\.timestamp must be between/);
    await store.record(outcome({ kind: "numeric", value: 1e15 }));
    expect(inner.all()).toHaveLength(1);
    expect(store.stats).toMatchObject({ accepted: 1, committed: 1 });
  });

  it("takes the window from its options (a backfill of old events)", async () => {
    const inner = new MemoryEventStore();
    const store = new BatchingEventStore(inner, {
      maxDelayMs: 1,
      timestampWindow: { maxAgeMs: Number.POSITIVE_INFINITY, maxAheadMs: 0 },
    });
    await store.record(outcome({ kind: "numeric", value: 1 }, new Date(Date.UTC(2001, 0, 1))));
    await expect(
      store.record(outcome({ kind: "numeric", value: 1 }, new Date(Date.now() + 60_000))),
    ).rejects.toThrowError(/any time before now to 0 ms after/);
    expect(inner.all()).toHaveLength(1);
    expect(
      () => new BatchingEventStore(inner, { timestampWindow: { maxAgeMs: -1, maxAheadMs: 0 } }),
    ).toThrowError(/timestampWindow\.maxAgeMs must be a non-negative number/);
  });
});

describe("the pipeline refuses dimensions no store keeps, naming the field", () => {
  const exposure = (dimensions: unknown): StoredEvent =>
    ({
      type: "exposure",
      eventId: `x${Math.random()}`,
      experiment: "x",
      variantId: "control",
      userId: "u",
      timestamp: new Date(),
      dimensions,
    }) as StoredEvent;

  it("takes string values of declared-name dimensions and refuses the rest before queueing", async () => {
    const inner = new MemoryEventStore();
    const store = new BatchingEventStore(inner, { maxDelayMs: 1 });
    await store.record(exposure({ country: "DE", platform: "ios" }));
    await expect(store.record(exposure({ country: 49 }))).rejects.toMatchObject({
      code: "INVALID_CONTEXT",
      message: "exposure.dimensions.country must be a string, got number 49",
    });
    await expect(store.record(exposure({ country: "x".repeat(300) }))).rejects.toThrowError(
      /exposure\.dimensions\.country must be at most 256 characters, got 300/,
    );
    await expect(store.record(exposure("DE"))).rejects.toThrowError(/exposure\.dimensions must be an object/);
    await store.flush();
    expect(inner.all().map((e) => (e.type === "exposure" ? e.dimensions : undefined))).toEqual([
      { country: "DE", platform: "ios" },
    ]);
    await store.close();
  });
});
