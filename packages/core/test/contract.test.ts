import { describe, expect, it } from "vitest";
import {
  BackendError,
  ExperimentContext,
  ExperimentError,
  ExperimentNotFoundError,
  InvalidContextError,
  MAX_ID_LENGTH,
  OutcomeValue,
  requireId,
  toOutcomeValue,
  validateContext,
  validateExposure,
} from "../src/index.js";

describe("ExperimentContext builders", () => {
  it("builds immutable contexts fluently", () => {
    const base = ExperimentContext.forUser("alice");
    const fr = base.withAttribute("country", "FR").withAttribute("plan", "pro");
    expect(fr).toMatchObject({ userId: "alice", attributes: { country: "FR", plan: "pro" } });
    expect(base.attributes).toEqual({});
    expect(Object.isFrozen(fr)).toBe(true);
    expect(Object.isFrozen(fr.attributes)).toBe(true);
    expect(ExperimentContext.anonymous({ sessionId: "s1" })).toMatchObject({
      sessionId: "s1",
      attributes: {},
    });
    expect(ExperimentContext.anonymous().userId).toBeUndefined();
  });

  it("rejects empty or non-string ids and attribute values with INVALID_CONTEXT naming the field", () => {
    expect(() => ExperimentContext.forUser("")).toThrowError(/userId must not be empty/);
    expect(() => ExperimentContext.forUser(5 as unknown as string)).toThrowError(
      /userId must be a string, got number 5/,
    );
    expect(() => ExperimentContext.forUser("a").withAttribute("age", 30 as unknown as string)).toThrowError(
      /attribute "age" must be a string/,
    );
    expect(() => ExperimentContext.from({ userId: "a", attributes: { n: null } })).toThrowError(
      /attributes.n must be a string, got null/,
    );
    expect(() => validateContext({ userId: "a" })).toThrowError(/attributes is missing/);
    expect(() => validateContext("alice")).toThrow(InvalidContextError);
  });
});

describe("OutcomeValue", () => {
  it("accepts booleans, finite numbers and integer counts", () => {
    expect(toOutcomeValue(true)).toEqual({ kind: "bool", value: true });
    expect(toOutcomeValue(2.5)).toEqual({ kind: "numeric", value: 2.5 });
    expect(OutcomeValue.count(3)).toEqual({ kind: "count", value: 3 });
  });

  it.each([
    [Number.NaN, /finite number, got NaN/],
    [Number.POSITIVE_INFINITY, /finite number/],
    [{ kind: "count", value: 1.5 }, /count outcome value must be an integer, got number 1.5/],
    [{ kind: "bool", value: "yes" }, /bool outcome value must be a boolean/],
    [{ kind: "percent", value: 1 }, /unknown outcome kind string "percent"; valid kinds are/],
    ["1", /must be a boolean, a finite number or \{ kind, value \}/],
  ])("rejects %j", (input, message) => {
    expect(() => toOutcomeValue(input)).toThrowError(message);
  });
});

describe("ExperimentError", () => {
  it("has one subclass per code with the HTTP status", () => {
    const cases = [
      [new ExperimentNotFoundError("x"), "EXPERIMENT_NOT_FOUND", 404, "ExperimentNotFoundError"],
      [new InvalidContextError("bad"), "INVALID_CONTEXT", 400, "InvalidContextError"],
      [new BackendError("down", { cause: new Error("ECONNREFUSED") }), "BACKEND", 500, "BackendError"],
    ] as const;
    for (const [error, code, status, name] of cases) {
      expect(error).toBeInstanceOf(ExperimentError);
      expect([error.code, error.status, error.name]).toEqual([code, status, name]);
      expect(ExperimentError.is(error, code)).toBe(true);
    }
    expect(ExperimentError.is(new Error("plain"))).toBe(false);
    expect((cases[2][0].cause as Error).message).toBe("ECONNREFUSED");
  });
});

describe("record validation", () => {
  it("needs a unit, a valid timestamp and non-empty ids", () => {
    const now = new Date();
    expect(() =>
      validateExposure({ experiment: "e", variantId: "v", userId: "u", timestamp: now }),
    ).not.toThrow();
    expect(() => validateExposure({ experiment: "e", variantId: "v", timestamp: now })).toThrowError(
      /needs a userId or a sessionId/,
    );
    expect(() =>
      validateExposure({ experiment: "e", variantId: "v", userId: "u", timestamp: "now" }),
    ).toThrowError(/timestamp must be a valid Date/);
    expect(() =>
      validateExposure({ experiment: "e", variantId: "v", userId: "u", timestamp: new Date(-1) }),
    ).toThrowError(
      /^exposure.timestamp must be at or after 1970-01-01T00:00:00Z, got 1969-12-31T23:59:59.999Z$/,
    );
    expect(() =>
      validateExposure({ experiment: "e", variantId: "v", userId: "u", timestamp: new Date(0) }),
    ).not.toThrow();
    expect(() =>
      validateExposure({ experiment: "", variantId: "v", userId: "u", timestamp: now }),
    ).toThrowError(/experiment must not be empty/);
  });

  it("takes only ids every store keeps as given: bounded length, no NUL, no unpaired surrogate", () => {
    const ok = [
      "u",
      "x".repeat(MAX_ID_LENGTH),
      "€".repeat(MAX_ID_LENGTH),
      "😀".repeat(MAX_ID_LENGTH / 2),
      "a\tb",
    ];
    for (const id of ok) expect(() => requireId(id, "userId")).not.toThrow();
    const bad: Array<[unknown, RegExp]> = [
      ["x".repeat(MAX_ID_LENGTH + 1), /^userId must be at most 256 characters, got 257: string "x{40}…"$/],
      ["😀".repeat(MAX_ID_LENGTH / 2) + "a", /at most 256 characters, got 257/],
      [
        "ab\u0000c",
        /^userId must not contain the NUL character \(U\+0000\), found at index 2: string "ab\\u0000c"$/,
      ],
      ["a\uD83D", /^userId must be well-formed text, found an unpaired surrogate \(U\+D83D\) at index 1/],
      ["\uDE00a", /unpaired surrogate \(U\+DE00\) at index 0/],
      ["😀\uDE00", /unpaired surrogate \(U\+DE00\) at index 2/],
      [42, /^userId must be a string, got number 42$/],
      [null, /^userId must be a string, got null$/],
    ];
    for (const [id, message] of bad) {
      expect(() => requireId(id, "userId")).toThrowError(message);
      expect(() => requireId(id, "userId")).toThrowError(InvalidContextError);
    }
    expect(() =>
      validateExposure({ experiment: "e", variantId: "v", sessionId: "s\u0000", timestamp: new Date() }),
    ).toThrowError(/^exposure.sessionId must not contain the NUL character/);
  });
});
