import { describe, expect, it } from "vitest";
import { experimentContextOf, isContextProblem } from "../src/index.js";

describe("experimentContextOf", () => {
  it("targetingKey is the user, sessionId the session, the rest attribute text; objects, lists, null dropped", () => {
    const ctx = experimentContextOf({
      targetingKey: "u-1",
      sessionId: "s-1",
      plan: "pro",
      seats: 12,
      beta: false,
      since: new Date("2026-01-02T03:04:05.000Z"),
      address: { country: "FR" },
      tags: ["a"],
      nothing: null,
    });
    expect(ctx).toEqual({
      userId: "u-1",
      sessionId: "s-1",
      attributes: { plan: "pro", seats: "12", beta: "false", since: "2026-01-02T03:04:05.000Z" },
    });
  });

  it("an empty targetingKey is no user; a field named __proto__ stays a field", () => {
    const context = JSON.parse('{"targetingKey":"","__proto__":"x"}');
    const ctx = experimentContextOf(context);
    expect(isContextProblem(ctx)).toBe(false);
    if (isContextProblem(ctx)) return;
    expect(ctx.userId).toBeUndefined();
    expect(Object.keys(ctx.attributes)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(ctx.attributes)).toBe(Object.prototype);
  });

  it("an unpaired surrogate in the targetingKey is a problem naming the field and the index", () => {
    expect(experimentContextOf({ targetingKey: "ab\ud800" })).toEqual({
      problem:
        "context.targetingKey must be well-formed text, found an unpaired surrogate (U+D800) at index 2",
    });
  });
});
