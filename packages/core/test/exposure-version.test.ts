import { describe, expect, it } from "vitest";
import { validateExposure, validateOutcome } from "../src/index.js";

const base = { experiment: "x", variantId: "a", userId: "u", timestamp: new Date() };

describe("an exposure's manifest version, phase and environment", () => {
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
    for (const phase of [0, 1.5, -1, "2", Number.NaN, 2 ** 31]) {
      expect(() => validateExposure({ ...base, phase })).toThrow(
        /exposure\.phase must be a whole number from 1 to 2147483647/,
      );
    }
    for (const environment of ["", "prod uction", "a\u001fb", "x".repeat(65), 3, "staging/eu"]) {
      expect(() => validateExposure({ ...base, environment })).toThrow(
        /exposure\.environment must be an environment name/,
      );
    }
  });

  it("takes environment names of letters, digits, _ and -, on outcomes too", () => {
    expect(validateExposure({ ...base, environment: "eu-west_2" })).toMatchObject({
      environment: "eu-west_2",
    });
    const outcome = { experiment: "x", metric: "m", value: true, userId: "u", timestamp: new Date() };
    expect(validateOutcome({ ...outcome, environment: "staging", phase: 3 })).toMatchObject({ phase: 3 });
    expect(() => validateOutcome({ ...outcome, environment: "stag ing" })).toThrow(/outcome\.environment/);
    expect(() => validateOutcome({ ...outcome, phase: 0 })).toThrow(/outcome\.phase/);
  });
});
