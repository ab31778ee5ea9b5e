import { type FeatureDefinition, GrowthBook } from "@growthbook/growthbook";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fnv1a32, growthbook } from "../../src/index.js";
import { hasNonAscii, randomIds, readVector } from "./helpers.js";

type Cases = {
  hash: [string, string, number, number | null][];
  getBucketRange: [string, [number, number, number[] | null], [number, number][]][];
  chooseVariation: [string, number, [number, number][], number][];
  inNamespace: [string, string, [string, number, number], boolean][];
  getEqualWeights: [number, number[]][];
  run: [string, Record<string, unknown>, Record<string, unknown>, unknown, boolean, boolean][];
};

const cases = readVector<Cases>("growthbook-cases.json");
const floor8 = (x: number) => Math.floor(x * 1e8) / 1e8;

describe("GrowthBook spec vectors (cases.json)", () => {
  it("hash: all 15 cases, v1, v2 and unknown versions", () => {
    expect(cases.hash.length).toBe(15);
    for (const [seed, value, version, expected] of cases.hash) {
      expect(growthbook.hash(seed, value, version), `${seed}|${value}|v${version}`).toBe(expected);
    }
  });

  it("getBucketRange: all 13 cases (floored to 1e-8 like the SDK's harness)", () => {
    expect(cases.getBucketRange.length).toBe(13);
    for (const [name, [n, coverage, weights], expected] of cases.getBucketRange) {
      const got = growthbook.getBucketRanges(n, coverage, weights);
      expect(
        got.map((r) => r.map(floor8)),
        name,
      ).toEqual(expected.map((r) => r.map(floor8)));
    }
  });

  it("chooseVariation: all 13 cases", () => {
    expect(cases.chooseVariation.length).toBe(13);
    for (const [name, n, ranges, expected] of cases.chooseVariation) {
      expect(growthbook.chooseVariation(n, ranges), name).toBe(expected);
    }
  });

  it("inNamespace: all 16 cases", () => {
    expect(cases.inNamespace.length).toBe(16);
    for (const [name, id, ns, expected] of cases.inNamespace) {
      expect(growthbook.inNamespace(id, ns), name).toBe(expected);
    }
  });

  it("getEqualWeights: all cases (8 significant digits, like the SDK's harness)", () => {
    for (const [n, expected] of cases.getEqualWeights) {
      expect(growthbook.getEqualWeights(n).map((w) => Math.floor(w * 1e8) / 1e8)).toEqual(expected);
    }
  });

  // The run cases that depend on the experiment definition and attributes alone (no conditions, URLs,
  // query strings, forced variations in the context, QA mode, prerequisites or saved groups).
  const BUCKETING_KEYS = new Set([
    "key",
    "variations",
    "weights",
    "coverage",
    "hashAttribute",
    "hashVersion",
    "seed",
    "ranges",
    "filters",
    "namespace",
    "active",
    "status",
    "force",
  ]);
  const runCases = cases.run.filter(
    ([, context, experiment]) =>
      Object.keys(context).every((k) => k === "attributes") &&
      Object.keys(experiment).every((k) => BUCKETING_KEYS.has(k)),
  );

  it(`run: the ${runCases.length} of ${cases.run.length} cases that bucketing alone decides`, () => {
    expect(runCases.length).toBeGreaterThanOrEqual(60);
    for (const [name, context, experiment, expectedValue, inExperiment] of runCases) {
      const spec = experiment as unknown as growthbook.ExperimentSpec & { variations: unknown[] };
      const index = growthbook
        .compileExperiment(spec)
        .assign((context.attributes ?? {}) as Record<string, unknown>);
      expect(index >= 0, `${name}: inExperiment`).toBe(inExperiment);
      expect(spec.variations[Math.max(index, 0)], `${name}: value`).toEqual(expectedValue);
    }
  });
});

describe("GrowthBook quirks", () => {
  it("hashes UTF-16 code units: equal to byte-wise FNV-1a for ASCII, different for non-ASCII", () => {
    expect(growthbook.fnv1a32Utf16("user-42")).toBe(fnv1a32("user-42"));
    for (const id of ["Zoë", "用户", "😀"]) expect(growthbook.fnv1a32Utf16(id)).not.toBe(fnv1a32(id));
  });

  it("a 50/50 split puts n = 0.5 in variation 1 ([start, end) ranges)", () => {
    const ranges = growthbook.getBucketRanges(2, 1, null);
    expect(growthbook.chooseVariation(0.5, ranges)).toBe(1);
  });

  it("rollout coverage is inclusive (n <= coverage) while variation ranges are half-open", () => {
    // find ids whose v1 hash is exactly 0.5
    const onBoundary = randomIds(20000, 7).filter((id) => growthbook.hash("feat", id, 1) === 0.5);
    expect(onBoundary.length).toBeGreaterThan(0);
    for (const id of onBoundary) {
      expect(growthbook.isIncludedInRollout("feat", id, null, 0.5, 1)).toBe(true);
      expect(growthbook.compileExperiment({ key: "feat", variations: 2, coverage: 1 }).bucket(id)).toBe(1);
      expect(growthbook.chooseVariation(0.5, [[0, 0.5]])).toBe(-1);
    }
  });

  it("rollout edge cases: no range/coverage includes everyone, coverage 0 nobody, falsy value nobody", () => {
    expect(growthbook.isIncludedInRollout("s", "", undefined, undefined)).toBe(true);
    expect(growthbook.isIncludedInRollout("s", "a", undefined, 0)).toBe(false);
    expect(growthbook.isIncludedInRollout("s", "", undefined, 0.5)).toBe(false);
    expect(growthbook.isIncludedInRollout("s", "a", undefined, 1, 99)).toBe(false);
  });

  it("weights that do not sum to ~1 or have the wrong length fall back to equal weights", () => {
    const equal = growthbook.getBucketRanges(3, 1, null);
    expect(growthbook.getBucketRanges(3, 1, [0.5, 0.6, 0.3])).toEqual(equal);
    expect(growthbook.getBucketRanges(3, 1, [0.5, 0.5])).toEqual(equal);
    expect(growthbook.getBucketRanges(3, 1, [0.2, 0.3, 0.495])).not.toEqual(equal);
  });

  it("bucket() refuses experiments whose filters read another attribute", () => {
    const exp = growthbook.compileExperiment({
      key: "k",
      variations: 2,
      filters: [{ seed: "s", attribute: "company", ranges: [[0, 1]] }],
    });
    expect(() => exp.bucket("u1")).toThrow(/assign/);
    expect(exp.assign({ id: "u1", company: "c" })).toBeGreaterThanOrEqual(0);
    expect(exp.assign({ id: "u1" })).toBe(-1);
  });
});

describe("GrowthBook SDK as the oracle (10,000 random ids each, ASCII and non-ASCII)", () => {
  const ids = randomIds(10000, 20261121);
  const companies = randomIds(10000, 99);
  // the SDK logs invalid weights on every run outside production
  beforeAll(() => {
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("the ids include non-ASCII ones", () => {
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(4000);
  });

  const experiments: (growthbook.ExperimentSpec & { variations: unknown[] })[] = [
    { key: "default-v1", variations: [0, 1] },
    {
      key: "uneven-v2",
      seed: "phase-seed-1",
      hashVersion: 2,
      variations: ["a", "b", "c"],
      weights: [0.1, 0.2, 0.7],
      coverage: 0.4,
    },
    {
      key: "four-v1-low-coverage",
      hashVersion: 1,
      variations: [0, 1, 2, 3],
      weights: [0.25, 0.25, 0.25, 0.25],
      coverage: 0.05,
    },
    { key: "thirds-v2", hashVersion: 2, variations: [0, 1, 2], coverage: 0.77 },
    {
      key: "ranges-v2",
      hashVersion: 2,
      variations: [0, 1],
      ranges: [
        [0, 0.3],
        [0.5, 0.9],
      ],
    },
    {
      key: "namespace-v2",
      hashVersion: 2,
      variations: [0, 1],
      weights: [0.333, 0.667],
      namespace: ["ns-1", 0.2, 0.7],
    },
    {
      key: "filters-v2",
      hashVersion: 2,
      variations: [0, 1],
      filters: [
        { seed: "f1", ranges: [[0, 0.5]] },
        { seed: "f2", attribute: "company", hashVersion: 1, ranges: [[0.25, 1]] },
      ],
    },
    { key: "company-v2", hashAttribute: "company", hashVersion: 2, variations: [0, 1], coverage: 0.8 },
    { key: "bad-weights-v1", variations: [0, 1, 2], weights: [0.5, 0.6, 0.3] },
    { key: "unknown-version", hashVersion: 3, variations: [0, 1] },
  ];

  for (const spec of experiments) {
    it(`run(): ${spec.key}`, () => {
      const compiled = growthbook.compileExperiment(spec);
      let inside = 0;
      for (let i = 0; i < ids.length; i++) {
        const attributes = { id: ids[i]!, company: i % 10 === 0 ? "" : companies[i]! };
        const gb = new GrowthBook({ attributes });
        const result = gb.run(spec as Parameters<GrowthBook["run"]>[0]);
        const expected = result.inExperiment ? result.variationId : -1;
        const got = compiled.assign(attributes);
        if (got !== expected) {
          expect({ id: ids[i], got }).toEqual({ id: ids[i], got: expected });
        }
        if (result.hashUsed && result.bucket !== undefined) {
          expect(compiled.hash(result.hashValue)).toBe(result.bucket);
        }
        if (expected >= 0) inside++;
      }
      if (spec.key !== "unknown-version") expect(inside).toBeGreaterThan(100);
      else expect(inside).toBe(0);
    });
  }

  it("numeric hash attributes: stringified like JS `+`, and 0 (falsy) is never in", () => {
    const compiled = [
      growthbook.compileExperiment({ key: "num-v1", variations: 2 }),
      growthbook.compileExperiment({ key: "num-v2", variations: 3, hashVersion: 2, coverage: 0.9 }),
    ];
    for (let i = 0; i < 10000; i++) {
      const id = i % 3 === 0 ? i : i + 0.5;
      const gb = new GrowthBook({ attributes: { id } });
      for (const exp of compiled) {
        const result = gb.run({
          key: exp.key,
          variations: exp.key === "num-v1" ? [0, 1] : [0, 1, 2],
          ...(exp.key === "num-v2" ? { hashVersion: 2, coverage: 0.9 } : {}),
        });
        expect(exp.bucket(id), `${exp.key} ${id}`).toBe(result.inExperiment ? result.variationId : -1);
      }
    }
    expect(compiled[0]!.bucket(0)).toBe(-1);
  });

  it("feature experiment rules (key = rule.key || feature id, seed = rule.seed || key)", () => {
    const rules = {
      "feat-exp": {
        key: "tracking-key",
        seed: "phase-seed-2",
        hashVersion: 2,
        variations: ["a", "b", "c"],
        weights: [0.5, 0.25, 0.25],
        coverage: 0.6,
        meta: [{ key: "a" }, { key: "b" }, { key: "c" }],
      },
      "feat-ranges": {
        hashVersion: 2,
        variations: [1, 2],
        ranges: [
          [0, 0.2],
          [0.6, 0.8],
        ] as [number, number][],
        filters: [{ seed: "ns-seed", ranges: [[0.1, 0.9]] as [number, number][] }],
      },
      "feat-v1-namespace": {
        variations: [false, true],
        namespace: ["ns-x", 0, 0.5] as [string, number, number],
      },
    };
    // (the SDK's FeatureRule type wants filter.hashVersion; the SDK itself defaults it to 2, tested here)
    const features = Object.fromEntries(
      Object.entries(rules).map(([id, rule]) => [id, { defaultValue: "default", rules: [rule] }]),
    ) as unknown as Record<string, FeatureDefinition>;
    const compiled = Object.entries(rules).map(([id, rule]) => ({
      id,
      exp: growthbook.compileExperiment({ ...rule, key: ("key" in rule ? rule.key : undefined) || id }),
    }));
    const inside = new Map<string, number>();
    for (const userId of ids) {
      const gb = new GrowthBook({ attributes: { id: userId }, features });
      for (const { id, exp } of compiled) {
        const res = gb.evalFeature(id);
        const expected = res.source === "experiment" ? res.experimentResult!.variationId : -1;
        expect(exp.bucket(userId), `${id} ${userId}`).toBe(expected);
        if (expected >= 0) inside.set(id, (inside.get(id) ?? 0) + 1);
      }
    }
    for (const { id } of compiled) expect(inside.get(id) ?? 0, id).toBeGreaterThan(1000);
  });

  it("feature rollout rules: coverage (inclusive) and range, v1 and v2", () => {
    const features = {
      "rollout-v1": { defaultValue: false, rules: [{ force: true, coverage: 0.5 }] },
      "rollout-v2-seed": {
        defaultValue: false,
        rules: [{ force: true, coverage: 0.3, hashVersion: 2, seed: "s-1" }],
      },
      "rollout-range": {
        defaultValue: false,
        rules: [{ force: true, range: [0.2, 0.6] as [number, number], hashVersion: 2, seed: "r" }],
      },
    };
    let boundary = 0;
    for (const id of ids) {
      const gb = new GrowthBook({ attributes: { id }, features });
      expect(gb.isOn("rollout-v1"), id).toBe(growthbook.isIncludedInRollout("rollout-v1", id, null, 0.5, 1));
      expect(gb.isOn("rollout-v2-seed"), id).toBe(growthbook.isIncludedInRollout("s-1", id, null, 0.3, 2));
      expect(gb.isOn("rollout-range"), id).toBe(
        growthbook.isIncludedInRollout("r", id, [0.2, 0.6], undefined, 2),
      );
      if (growthbook.hash("rollout-v1", id, 1) === 0.5) boundary++;
    }
    expect(boundary).toBeGreaterThan(0); // ids exactly on the inclusive boundary were checked
  });
});
