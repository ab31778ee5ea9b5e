import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  decimalAbove,
  decimalAtMost,
  SDK_VERSION_SOURCE,
  type SemverOperator,
  targetVersion,
  versionComparisonSource,
} from "../src/import/unleash-semver.js";

// the `semver` unleash-client itself loads (its SEMVER_* operators: valid(value) && !value.startsWith("v"))
const sdkRequire = createRequire(createRequire(import.meta.url).resolve("unleash-client"));
const semver = sdkRequire("semver") as {
  valid(v: string): string | null;
  eq(a: string, b: string): boolean;
  gt(a: string, b: string): boolean;
  lt(a: string, b: string): boolean;
  gte(a: string, b: string): boolean;
  lte(a: string, b: string): boolean;
};
/** The SDK's SemverOperator: false unless the value reads as a version, then semver's comparison. */
const SDK_COMPARE: Record<SemverOperator, (a: string, b: string) => boolean> = {
  SEMVER_EQ: semver.eq,
  SEMVER_GT: semver.gt,
  SEMVER_LT: semver.lt,
  SEMVER_GTE: semver.gte,
  SEMVER_LTE: semver.lte,
};
const sdkReads = (v: string) => Boolean(semver.valid(v)) && !v.startsWith("v");

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the SDK's version grammar as a rule", () => {
  it("decimalAtMost holds for exactly the numbers up to its bound", () => {
    const rand = random(7);
    for (const max of ["0", "9", "10", "37", "100", "909", "9007199254740991"]) {
      const re = new RegExp(`^${decimalAtMost(max)}$`);
      const candidates = new Set<string>(["0", "00", "01", max, `${max}0`]);
      for (let i = 0; i < 2000; i++) {
        const digits = 1 + Math.floor(rand() * (max.length + 1));
        let n = "";
        for (let d = 0; d < digits; d++) n += Math.floor(rand() * 10);
        candidates.add(n);
        candidates.add(String(BigInt(max) - BigInt(Math.floor(rand() * 3))).replace(/^-.*/, "0"));
        candidates.add(String(BigInt(max) + BigInt(Math.floor(rand() * 3))));
      }
      for (const n of candidates) {
        const expected = /^(0|[1-9]\d*)$/.test(n) && BigInt(n) <= BigInt(max);
        expect(re.test(n), `${n} <= ${max}`).toBe(expected);
      }
    }
  });

  it("holds for exactly the values unleash-client reads as versions (20,000 strings)", () => {
    const rand = random(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const parts = [
      "0",
      "1",
      "2",
      "10",
      "01",
      "00",
      "9007199254740991",
      "9007199254740992",
      "99999999999999999",
      "x",
      "",
    ];
    const pre = [
      "",
      "-alpha",
      "-alpha.1",
      "-0",
      "-01",
      "-0a",
      "-a..b",
      "-.a",
      "-rc.1.",
      "-x-y",
      "-ü",
      "-1.2.3",
    ];
    const build = ["", "+b", "+b.1", "+01", "+b..c", "+", "+ü"];
    const around = ["", " ", "  ", "\t", "\u00a0", "\ufeff", "\n", "v", " v", "=", "V"];
    const samples = new Set<string>([
      "1.2.3",
      "v1.2.3",
      " v1.2.3",
      "1.2",
      "1.2.3.4",
      `1.2.3-${"a".repeat(260)}`,
    ]);
    while (samples.size < 20_000) {
      const core = `${pick(parts)}.${pick(parts)}.${pick(parts)}`;
      samples.add(`${pick(around)}${core}${pick(pre)}${pick(build)}${pick(["", " ", "\n", "x"])}`);
    }
    const rule = new RegExp(SDK_VERSION_SOURCE);
    let read = 0;
    for (const s of samples) {
      expect(rule.test(s), JSON.stringify(s)).toBe(sdkReads(s));
      if (sdkReads(s)) read++;
    }
    expect(read).toBeGreaterThan(300);
  });

  it("decimalAbove holds for exactly the numbers above its bound", () => {
    for (const min of ["0", "9", "10", "37", "99", "909"]) {
      const re = new RegExp(`^${decimalAbove(min)}$`);
      for (let n = 0; n < 2000; n++) expect(re.test(String(n)), `${n} > ${min}`).toBe(n > Number(min));
      expect(re.test("01")).toBe(false);
    }
  });

  it("one rule per comparison with a release: the SDK's answer on 40,000 value/target pairs", () => {
    const rand = random(13);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const nums = ["0", "1", "2", "3", "9", "10", "11", "19", "20", "99", "100", "01"];
    const targets = ["0.0.0", "1.0.0", "2.4.0", "2.10.1", "10.0.9", "0.9.99", "3.0.0"];
    const operators = Object.keys(SDK_COMPARE) as SemverOperator[];
    const rules = new Map<string, RegExp>();
    let held = 0;
    for (let i = 0; i < 40_000; i++) {
      const target = pick(targets);
      const op = pick(operators);
      const near = target.split(".");
      const part = (j: number) => (rand() < 0.5 ? near[j]! : pick(nums));
      const value = `${pick(["", "", " ", "v", " v"])}${part(0)}.${part(1)}.${part(2)}${pick(["", "", "-rc.1", "-0", "-alpha"])}${pick(["", "+b7"])}${pick(["", "", " ", "x"])}`;
      const key = `${op} ${target}`;
      let rule = rules.get(key);
      if (rule === undefined) {
        rule = new RegExp(versionComparisonSource(op, target)!);
        rules.set(key, rule);
      }
      const sdk = sdkReads(value) && SDK_COMPARE[op](value, target);
      if (sdk) held++;
      expect(rule.test(value), `${JSON.stringify(value)} ${key}`).toBe(sdk);
    }
    expect(held).toBeGreaterThan(5000);
    expect(versionComparisonSource("SEMVER_GT", "1.0.0-rc.1")).toBeUndefined();
  });

  it("writes a constraint's target as a rule literal, and refuses what semver refuses", () => {
    expect(targetVersion("2.4.0")).toBe("2.4.0");
    expect(targetVersion(" v2.4.0-rc.1+build.7 ")).toBe("2.4.0-rc.1");
    expect(targetVersion("2.4")).toBeUndefined();
    expect(targetVersion("2.4.0-01")).toBeUndefined();
  });
});
