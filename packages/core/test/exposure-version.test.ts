import { describe, expect, it } from "vitest";
import { validateExposure } from "../src/index.js";

const base = { experiment: "x", variantId: "a", userId: "u", timestamp: new Date() };

describe("an exposure's manifest version and phase", () => {
  it("are optional, and kept as given when well formed", () => {
    expect(validateExposure(base)).toBe(base);
    const stamped = { ...base, manifestVersion: "sha256:0123456789abcdef", phase: 2 };
    expect(validateExposure(stamped)).toMatchObject({ manifestVersion: "sha256:0123456789abcdef", phase: 2 });
  });

  it("are refused with INVALID_CONTEXT naming the field when malformed", () => {
    for (const manifestVersion of ["", "0123", "sha256:XYZ", 12]) {
      expect(() => validateExposure({ ...base, manifestVersion })).toThrow(
        /exposure\.manifestVersion must be/,
      );
    }
    for (const phase of [0, 1.5, -1, "2", Number.NaN]) {
      expect(() => validateExposure({ ...base, phase })).toThrow(
        /exposure\.phase must be a whole number >= 1/,
      );
    }
  });
});
