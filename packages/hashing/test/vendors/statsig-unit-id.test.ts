import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsig } from "../../src/index.js";
import { hasNonAscii, randomIds } from "./helpers.js";
import { augmented, toV2 } from "./statsig-payload.js";

// gates on the unit id itself (the operators the evaluator decides), and an experiment whose targeting gate
// reads a user field: what the mode passes over with skipRules
const idCondition = (operator: string, targetValue: unknown, idType = "userID") => ({
  type: "unit_id",
  targetValue,
  operator,
  field: null,
  additionalValues: {},
  idType,
});
const idGate = (name: string, conditions: unknown[], idType = "userID") => ({
  name,
  type: "feature_gate",
  salt: `${name}-salt`,
  enabled: true,
  defaultValue: false,
  rules: [
    {
      name: `${name}-rule`,
      passPercentage: 100,
      conditions,
      returnValue: true,
      id: `${name}-rule`,
      salt: `${name}-rs`,
      idType,
    },
  ],
  idType,
  entity: "feature_gate",
});
const ids = randomIds(6000, 77);
// targets taken from the ids themselves (in another case), so that the lists do match some units; well-formed
// ones only (the SDK's JSON reader refuses a payload string holding an unpaired surrogate)
const someIds = ids.filter((id, i) => i % 50 === 0 && !/[\ud800-\udfff]/.test(id));
const GATES = {
  id_any: [
    idCondition(
      "any",
      someIds.map((id) => id.toUpperCase()),
    ),
  ],
  id_none: [idCondition("none", someIds.slice(0, 40))],
  id_any_cs: [
    idCondition(
      "any_case_sensitive",
      someIds.map((id, i) => (i % 2 ? id : id.toUpperCase())),
    ),
  ],
  id_none_cs: [idCondition("none_case_sensitive", someIds)],
  id_starts: [idCondition("str_starts_with_any", ["U", "é", "a"])],
  id_ends: [idCondition("str_ends_with_any", ["Z", "9", "ж"])],
  id_contains: [idCondition("str_contains_any", ["K", "ab", "用"])],
  id_contains_none: [idCondition("str_contains_none", ["x", "Ü"])],
  company_any: [idCondition("any", ["c1", "C2", "c3é"], "companyID")],
};
const targeted = {
  name: "targeted_experiment",
  type: "dynamic_config",
  salt: "targeted-salt",
  enabled: true,
  defaultValue: {},
  rules: [
    {
      name: "targetingGate",
      passPercentage: 100,
      conditions: [
        {
          type: "fail_gate",
          targetValue: "on_for_statsig_email",
          operator: null,
          field: null,
          additionalValues: {},
        },
      ],
      returnValue: {},
      id: "targetingGate",
      salt: "",
      idType: "userID",
    },
    ...["A", "B"].map((g, i) => ({
      name: `g${g}`,
      groupName: g,
      passPercentage: 100,
      conditions: [
        {
          type: "user_bucket",
          targetValue: 500 * (i + 1),
          operator: "lt",
          field: null,
          additionalValues: { salt: "targeted-salt" },
          idType: "userID",
        },
      ],
      returnValue: {},
      id: `g${g}`,
      salt: `g${g}`,
      idType: "userID",
      isExperimentGroup: true,
    })),
  ],
  idType: "userID",
  entity: "experiment",
  isActive: true,
};
const v1 = {
  ...augmented,
  feature_gates: [...augmented.feature_gates, ...Object.entries(GATES).map(([name, c]) => idGate(name, c))],
  dynamic_configs: [...augmented.dynamic_configs, targeted],
};
const v2 = toV2(v1);

describe("unit_id conditions and skipped rules, against @statsig/statsig-node-core", () => {
  const sdk = new Statsig("secret-assay-unit-id", {
    dataStore: {
      initialize: async () => {},
      shutdown: async () => {},
      get: async (key: string) =>
        key.includes("/v2/download_config_specs") ? { result: JSON.stringify(v2), time: Date.now() } : {},
      set: async () => {},
      supportPollingUpdatesFor: async () => false,
    },
    specAdaptersConfig: [{ adapterType: "data_store", initTimeoutMs: 3000 }],
    disableNetwork: true,
    outputLogLevel: "error",
  });
  beforeAll(async () => {
    expect((await sdk.initialize()).isSuccess).toBe(true);
  });
  afterAll(() => sdk.shutdown());

  it("decides unit_id gates as the SDK on 6,000 ids (mixed case, non-ASCII, missing custom ids)", () => {
    const evaluator = new statsig.StatsigEvaluator(v2 as statsig.StatsigPayload);
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(2000);
    const passes = new Map<string, number>();
    ids.forEach((id, i) => {
      const unit = {
        userID: i % 3 === 0 ? id.toUpperCase() : id,
        ...(i % 4 ? { customIDs: { companyID: ["c1", "c2", "C3É", "c9"][i % 4]! } } : {}),
      };
      const user = new StatsigUser(unit);
      for (const gate of Object.keys(GATES)) {
        const want = sdk.checkGate(user, gate, { disableExposureLogging: true });
        expect(evaluator.checkGate(gate, unit).value, `${gate} ${unit.userID}`).toBe(want);
        if (want) passes.set(gate, (passes.get(gate) ?? 0) + 1);
      }
    });
    // each gate both passes and fails some units
    for (const gate of Object.keys(GATES)) {
      expect(passes.get(gate) ?? 0, gate).toBeGreaterThan(0);
      expect(passes.get(gate) ?? 0, gate).toBeLessThan(ids.length);
    }
  });

  it("a rule reading a user field: listed by contextRules, passed over with skipRules, the rest as the SDK", () => {
    const plain = new statsig.StatsigEvaluator(v2 as statsig.StatsigPayload);
    expect(plain.contextRules("targeted_experiment")).toEqual([
      { ruleId: "targetingGate", spec: "on_for_statsig_email", conditionType: "user_field" },
    ]);
    expect(() => plain.getConfig("targeted_experiment", { userID: "a" })).toThrow(
      statsig.UnsupportedConditionError,
    );
    const skipping = new statsig.StatsigEvaluator(v2 as statsig.StatsigPayload, {
      skipRules: { targeted_experiment: ["targetingGate"] },
    });
    expect(skipping.contextRules("targeted_experiment")).toEqual([]);
    let targetedOut = 0;
    ids.forEach((id, i) => {
      const email = i % 2 ? `${id}@statsig.com` : `${id}@example.com`;
      const expected = sdk.getExperiment(new StatsigUser({ userID: id, email }), "targeted_experiment", {
        disableExposureLogging: true,
      });
      const ours = skipping.getExperimentGroup("targeted_experiment", { userID: id });
      // the SDK's targeting gate turns away who the manifest's targeting would; everyone else gets the same group
      if (expected.ruleID === "targetingGate") targetedOut++;
      else expect(ours, id).toBe(expected.groupName);
    });
    expect(targetedOut).toBe(ids.length / 2);
  });
});
