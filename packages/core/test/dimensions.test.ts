import { describe, expect, it } from "vitest";
import {
  dimensionsFromAttributes,
  encodeDimensions,
  exposureEvent,
  type StoredEvent,
  summarizeEvents,
  validateExposure,
} from "../src/index.js";

const base = {
  experiment: "x",
  variantId: "control",
  userId: "u1",
  timestamp: new Date(1_767_225_600_000),
};

describe("exposure dimensions", () => {
  it("are validated with an error naming the field", () => {
    expect(validateExposure({ ...base, dimensions: { country: "DE", platform: "ios" } }).dimensions).toEqual({
      country: "DE",
      platform: "ios",
    });
    expect(() => validateExposure({ ...base, dimensions: ["DE"] })).toThrow(
      /exposure\.dimensions must be an object of dimension values/,
    );
    expect(() => validateExposure({ ...base, dimensions: { country: 3 } })).toThrow(
      "exposure.dimensions.country must be a string, got number 3",
    );
    expect(() => validateExposure({ ...base, dimensions: { country: "" } })).toThrow(
      "exposure.dimensions.country must not be empty",
    );
    expect(() => validateExposure({ ...base, dimensions: { country: "x".repeat(257) } })).toThrow(
      /exposure\.dimensions\.country must be at most 256 characters, got 257/,
    );
    expect(() => validateExposure({ ...base, dimensions: { "bad name": "x" } })).toThrow(
      /exposure\.dimensions: each key must be a dimension name .*"bad name"/,
    );
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`d${i}`, "v"]));
    expect(() => validateExposure({ ...base, dimensions: nine })).toThrow(/at most 8 entries/);
  });

  it("are stored as JSON with sorted keys, none as undefined", () => {
    expect(encodeDimensions({ platform: "ios", country: 'D"E' })).toBe(
      '{"country":"D\\"E","platform":"ios"}',
    );
    expect(encodeDimensions({})).toBeUndefined();
    expect(encodeDimensions(undefined)).toBeUndefined();
  });

  it("come from the context's attributes named by the experiment: strings, numbers and booleans as text", () => {
    const attributes = { country: "DE", tier: 3, beta: true, empty: "", long: "x".repeat(300), other: "y" };
    expect(
      dimensionsFromAttributes(attributes, ["country", "tier", "beta", "empty", "long", "missing"]),
    ).toEqual({ country: "DE", tier: "3", beta: "true" });
    expect(dimensionsFromAttributes(attributes, ["missing"])).toBeUndefined();
    expect(exposureEvent({ ...base, dimensions: { country: "DE" } }).dimensions).toEqual({ country: "DE" });
  });
});

describe("the reference breakdown", () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const events: StoredEvent[] = [
    {
      type: "exposure",
      eventId: "e1",
      experiment: "x",
      variantId: "a",
      userId: "u1",
      timestamp: at(5),
      dimensions: { country: "DE" },
    },
    {
      type: "exposure",
      eventId: "e2",
      experiment: "x",
      variantId: "b",
      userId: "u2",
      timestamp: at(5),
      dimensions: { country: "FR" },
    },
    { type: "exposure", eventId: "e3", experiment: "x", variantId: "b", userId: "u3", timestamp: at(5) },
    // u1 again later elsewhere: its first exposure's country (DE) holds, this exposure counts in its slice
    {
      type: "exposure",
      eventId: "e4",
      experiment: "x",
      variantId: "a",
      userId: "u1",
      timestamp: at(9),
      dimensions: { country: "US" },
    },
    // u2's earlier exposure, arriving late, moves it to variant a and to DE
    {
      type: "exposure",
      eventId: "e5",
      experiment: "x",
      variantId: "a",
      userId: "u2",
      timestamp: at(1),
      dimensions: { country: "DE" },
    },
    {
      type: "outcome",
      eventId: "o1",
      experiment: "x",
      metric: "rev",
      value: { kind: "numeric", value: 4 },
      userId: "u1",
      timestamp: at(10),
    },
    {
      type: "outcome",
      eventId: "o2",
      experiment: "x",
      metric: "rev",
      value: { kind: "numeric", value: 2 },
      userId: "u2",
      timestamp: at(10),
    },
    {
      type: "outcome",
      eventId: "o3",
      experiment: "x",
      metric: "rev",
      value: { kind: "numeric", value: 1 },
      userId: "u3",
      timestamp: at(10),
    },
  ];

  it("puts each unit in the slice of its first exposure, the units without the dimension last (null)", () => {
    const summary = summarizeEvents(events, { experiment: "x", breakdown: "country" });
    const slices = summary.breakdown!.slices;
    expect(summary.breakdown!.dimension).toBe("country");
    expect(slices.map((s) => s.value)).toEqual(["DE", null]);
    expect(slices[0]!.variants).toEqual([
      { variantId: "a", exposedUnits: 2, exposures: 3 },
      { variantId: "b", exposedUnits: 0, exposures: 1 },
    ]);
    expect(slices[0]!.metrics[0]!.variants.map((v) => [v.variantId, v.n, v.sum])).toEqual([
      ["a", 2, 6],
      ["b", 0, 0],
    ]);
    expect(slices[1]!.variants).toEqual([
      { variantId: "a", exposedUnits: 0, exposures: 0 },
      { variantId: "b", exposedUnits: 1, exposures: 1 },
    ]);
    // the slices add up to the summary
    for (const [i, v] of summary.variants.entries()) {
      expect(slices.reduce((n, s) => n + s.variants[i]!.exposedUnits, 0)).toBe(v.exposedUnits);
      expect(slices.reduce((n, s) => n + s.variants[i]!.exposures, 0)).toBe(v.exposures);
    }
  });

  it("refuses a breakdown that cannot be a dimension name", () => {
    expect(() => summarizeEvents(events, { experiment: "x", breakdown: "a.b" })).toThrow(
      /breakdown must be a dimension name/,
    );
  });
});
