import { describe, expect, it } from "vitest";
import { exposureEvent, uuidv7, uuidv7Time } from "../src/index.js";

describe("uuidv7", () => {
  it("has the RFC 9562 layout: version 7, variant 10, the time in the first 48 bits", () => {
    const now = Date.UTC(2026, 10, 21, 7, 30);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(now);
  });

  it("sorts in creation order within one millisecond and when the clock goes back", () => {
    const ids = [
      ...Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000)),
      uuidv7(1_799_999_999_000), // clock stepped back
      uuidv7(1_800_000_000_001),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is the eventId of a stored record that has none; the caller's id wins", () => {
    const timestamp = new Date();
    const made = exposureEvent({ experiment: "e", variantId: "v", userId: "u", timestamp });
    expect(made.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.eventId[14]).toBe("7");
    expect(
      exposureEvent({ experiment: "e", variantId: "v", userId: "u", timestamp, eventId: "mine" }).eventId,
    ).toBe("mine");
  });
});
