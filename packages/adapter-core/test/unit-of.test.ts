import { describe, expect, it } from "vitest";
import { unitOf } from "../src/index.js";

describe("unitOf", () => {
  const ids = { userId: "u1", sessionId: "s1" };
  const attributes = { company: "acme" };

  it("reads the user id, the session id, or the attribute the unit names", () => {
    expect(unitOf({ unit: "user" }, ids, attributes)).toBe("u1");
    expect(unitOf({ unit: "session" }, ids, attributes)).toBe("s1");
    expect(unitOf({ unit: "company" }, ids, attributes)).toBe("acme");
  });

  it("is undefined for an absent unit, inherited properties included", () => {
    expect(unitOf({ unit: "user" }, { sessionId: "s1" }, attributes)).toBeUndefined();
    expect(unitOf({ unit: "tenant" }, ids, attributes)).toBeUndefined();
    expect(unitOf({ unit: "constructor" }, ids, attributes)).toBeUndefined();
  });

  it("returns what it finds unchecked, for the adapter to refuse", () => {
    expect(unitOf({ unit: "user" }, { userId: 42 }, {})).toBe(42);
  });
});
