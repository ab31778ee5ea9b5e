import { describe, expect, it } from "vitest";
import {
  compareSemVer,
  compileTargeting,
  ExperimentContext,
  isRuleSyntaxError,
  parseRule,
  parseSemVer,
} from "../src/index.js";

const user = (attributes: Record<string, string>) =>
  ExperimentContext.forUser("u-1").withAttributes(attributes);
const holds = (rule: string, attributes: Record<string, string>) =>
  compileTargeting({ include: [rule], exclude: [] })(user(attributes));

describe("targeting rules", () => {
  it("equality and membership compare strings exactly", () => {
    expect(holds("country == FR", { country: "FR" })).toBe(true);
    expect(holds("country == FR", { country: "fr" })).toBe(false);
    expect(holds('city == "Paris, FR"', { city: "Paris, FR" })).toBe(true);
    expect(holds("country != FR", { country: "DE" })).toBe(true);
    expect(holds("country != FR", {})).toBe(true);
    expect(holds("country == FR", {})).toBe(false);
    expect(holds('country in [FR, "DE", BE]', { country: "DE" })).toBe(true);
    expect(holds("country in [FR, DE]", { country: "IT" })).toBe(false);
    expect(holds("country not in [FR, DE]", { country: "IT" })).toBe(true);
    expect(holds("country not in [FR, DE]", { country: "FR" })).toBe(false);
  });

  it("numeric comparisons sit exactly on their boundary", () => {
    expect(holds("age >= 18", { age: "18" })).toBe(true);
    expect(holds("age >= 18", { age: "17.999" })).toBe(false);
    expect(holds("age > 18", { age: "18" })).toBe(false);
    expect(holds("age < 18", { age: "18" })).toBe(false);
    expect(holds("age <= 18", { age: "18" })).toBe(true);
    expect(holds("age >= 18", { age: "9" })).toBe(false); // numeric, not lexicographic ("9" > "18" as text)
    expect(holds("age >= 18", { age: "adult" })).toBe(false);
    expect(holds("age >= 18", {})).toBe(false);
  });

  it("version comparisons follow semver precedence, not text or decimals", () => {
    expect(holds("app_version >= 2.10.0", { app_version: "2.9.9" })).toBe(false);
    expect(holds("app_version >= 2.10.0", { app_version: "2.10.0" })).toBe(true);
    expect(holds("app_version >= 2.10.0", { app_version: "v2.10.1" })).toBe(true);
    expect(holds("app_version < 2.0.0", { app_version: "2.0.0-rc.1" })).toBe(true);
    expect(holds("app_version > 2.0.0", { app_version: "2.0.0+build.7" })).toBe(false);
    expect(holds("app_version >= 2.0.0", { app_version: "two" })).toBe(false);
    const v = (s: string) => parseSemVer(s)!;
    expect(compareSemVer(v("1.0.0-alpha"), v("1.0.0-alpha.1"))).toBeLessThan(0);
    expect(compareSemVer(v("1.0.0-alpha.beta"), v("1.0.0-beta"))).toBeLessThan(0);
    expect(compareSemVer(v("1.0.0-beta.2"), v("1.0.0-beta.11"))).toBeLessThan(0);
    expect(compareSemVer(v("1.0.0-rc.1"), v("1.0.0"))).toBeLessThan(0);
  });

  it("regular expressions, presence, and the context ids", () => {
    expect(holds('email matches "@acme\\.com$"', { email: "a@acme.com" })).toBe(true);
    expect(holds('email matches "@acme\\.com$"', { email: "a@acmexcom" })).toBe(false);
    expect(holds("beta exists", { beta: "" })).toBe(true);
    expect(holds("beta exists", {})).toBe(false);
    expect(holds("beta missing", {})).toBe(true);
    expect(holds("userId in [u-1, u-2]", {})).toBe(true);
    expect(holds("sessionId exists", {})).toBe(false);
  });

  it("every include must hold and no exclude may hold", () => {
    const gate = compileTargeting({
      include: ["country in [FR, DE]", "plan == pro"],
      exclude: ['email matches "@internal\\.test$"'],
    });
    expect(gate(user({ country: "FR", plan: "pro" }))).toBe(true);
    expect(gate(user({ country: "FR", plan: "free" }))).toBe(false);
    expect(gate(user({ country: "FR", plan: "pro", email: "x@internal.test" }))).toBe(false);
    expect(compileTargeting({ include: [], exclude: [] })(user({}))).toBe(true);
  });

  it("reports what is wrong and where", () => {
    const error = (text: string) => {
      const parsed = parseRule(text);
      if (!isRuleSyntaxError(parsed)) throw new Error(`parsed: ${text}`);
      return parsed;
    };
    expect(error("country ni [FR]")).toMatchObject({
      offset: 8,
      error: expect.stringContaining('did you mean "in"'),
    });
    expect(error("country = FR").error).toContain("did you mean ==?");
    expect(error("age >= adult").error).toContain("compares numbers");
    expect(error("country in [FR, DE").error).toContain("unterminated list");
    expect(error('email matches "(unclosed"').error).toContain("invalid regular expression");
    expect(error("country == FR DE").error).toContain("one condition per rule");
    expect(error("").error).toContain("empty rule");
    expect(error("9lives == x").error).toContain("attribute name");
    expect(error("country in []").error).toContain("empty list");
    expect(error('name == "open').error).toContain("unterminated string");
    expect(() => compileTargeting({ include: ["country =="], exclude: [] })).toThrow(/missing a value/);
  });
});
