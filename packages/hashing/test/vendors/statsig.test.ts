import statsigModule from "statsig-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsig } from "../../src/index.js";
import { hasNonAscii, prng, randomIds, readVector } from "./helpers.js";

// statsig-node is CommonJS whose module.exports is the Statsig singleton itself
const Statsig = statsigModule as unknown as typeof import("statsig-node")["Statsig"];

const payload = readVector<statsig.ConfigSpecsPayload & Record<string, unknown>>(
  "statsig-download-config-specs.json",
);

describe("Statsig vectors", () => {
  it("sample_experiment from the payload: user 123 -> Control (bucket 222), 'random' -> Test (bucket 876)", () => {
    expect(statsig.getExperimentGroup(payload, "sample_experiment", "123")).toBe("Control");
    expect(statsig.getExperimentGroup(payload, "sample_experiment", "random")).toBe("Test");
    const salt = "4f0c0147-a2a9-4f21-b618-ec9d8787973c";
    expect(statsig.userBucket(salt, "123")).toBe(222);
    expect(statsig.userBucket(salt, "random")).toBe(876);
    const evaluator = new statsig.StatsigEvaluator(payload);
    expect(evaluator.getConfig("sample_experiment", { userID: "random" }).ruleId).toBe(
      "5yQbPNUpd8mNbkB0SZZeln",
    );
  });

  it("user_bucket with salt 'himalayan salt': userID 18 -> 541, userID 1 -> 301", () => {
    expect(statsig.userBucket("himalayan salt", "18")).toBe(541);
    expect(statsig.userBucket("himalayan salt", "1")).toBe(301);
  });

  it("partial_rollout_gate: SHA256(config salt . rule salt . 123) % 10000 = 3299, so it passes at 50%", () => {
    const bucket = statsig.passPercentageBucket(
      "6e32ca51-b68p-44fb-9654-f5494cdfb2c5",
      "bda12dcd-f047-4674-b229-04d0215198c1",
      "123",
    );
    expect(bucket).toBe(3299);
    expect(
      new statsig.StatsigEvaluator(payload).checkGate("partial_rollout_gate", { userID: "123" }).value,
    ).toBe(true);
  });

  it("the two-word modulo equals the BigInt modulo on 10,000 ids", () => {
    for (const id of randomIds(10000, 77)) {
      const h = statsig.computeUserHash(`salt.${id}`);
      expect(statsig.userHashMod(`salt.${id}`, 1000)).toBe(Number(h % 1000n));
      expect(statsig.userHashMod(`salt.${id}`, 10000)).toBe(Number(h % 10000n));
    }
  });

  it("conditions a hash cannot decide are refused, not guessed", () => {
    const evaluator = new statsig.StatsigEvaluator(payload);
    expect(() => evaluator.checkGate("on_for_statsig_email", { userID: "1" })).toThrow(
      statsig.UnsupportedConditionError,
    );
  });
});

// An experiment in its own layer with a non-contiguous allocation (37% of the layer's 1000 buckets), three
// groups, a targeting gate; gates at 37.5% and on a custom id type.
const rand = prng(2026);
const allocated = [...Array(1000).keys()].filter(() => rand() < 0.37);
const bucketRule = (salt: string, operator: string, targetValue: unknown) => ({
  type: "user_bucket",
  targetValue,
  operator,
  field: null,
  additionalValues: { salt },
  isDeviceBased: false,
  idType: "userID",
});
const groupRule = (id: string, groupName: string, threshold: number, passPercentage = 100) => ({
  name: id,
  groupName,
  passPercentage,
  conditions: [bucketRule("exp-salt-x", "lt", threshold)],
  returnValue: { group: groupName },
  id,
  salt: id,
  isDeviceBased: false,
  idType: "userID",
  isExperimentGroup: true,
});
const gate = (name: string, salt: string, passPercentage: number, idType: string) => ({
  name,
  type: "feature_gate",
  salt,
  enabled: true,
  defaultValue: false,
  rules: [
    {
      name: `${name}-rule`,
      passPercentage,
      conditions: [
        { type: "public", targetValue: null, operator: null, field: null, additionalValues: {}, idType },
      ],
      returnValue: true,
      id: `${name}-rule`,
      salt: `${name}-rule-salt`,
      idType,
    },
  ],
  idType,
  entity: "feature_gate",
});
const augmented = {
  ...payload,
  feature_gates: [
    ...(payload.feature_gates ?? []),
    gate("gate_37_5", "gate-salt-a", 37.5, "userID"),
    gate("company_gate_60", "gate-salt-b", 60, "companyID"),
  ],
  dynamic_configs: [
    ...(payload.dynamic_configs ?? []),
    {
      // not a shape Statsig's console writes: a group rule that passes only half of its units
      name: "half_pass_experiment",
      type: "dynamic_config",
      salt: "exp-salt-x",
      enabled: true,
      defaultValue: {},
      rules: [groupRule("half-a", "A", 500, 50), groupRule("half-b", "B", 1000)],
      idType: "userID",
      entity: "experiment",
      isActive: true,
    },
    {
      name: "alloc_experiment",
      type: "dynamic_config",
      salt: "exp-salt-x",
      enabled: true,
      defaultValue: {},
      rules: [
        {
          name: "layerAssignment",
          passPercentage: 100,
          conditions: [bucketRule("layer-salt-y", "none", allocated)],
          returnValue: {},
          id: "layerAssignment",
          salt: "",
          idType: "userID",
          isExperimentGroup: false,
        },
        {
          name: "targetingGate",
          passPercentage: 100,
          conditions: [
            {
              type: "fail_gate",
              targetValue: "gate_37_5",
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
        groupRule("rule-control", "Control", 333),
        groupRule("rule-t1", "Treatment 1", 666),
        groupRule("rule-t2", "Treatment 2", 1000),
      ],
      idType: "userID",
      entity: "experiment",
      isActive: true,
    },
  ],
  layer_configs: [
    ...(payload.layer_configs ?? []),
    {
      name: "statsig::alloc_layer",
      type: "dynamic_config",
      salt: "layer-salt-y",
      enabled: true,
      defaultValue: {},
      rules: [
        {
          name: "experimentAssignment",
          passPercentage: 100,
          conditions: [bucketRule("layer-salt-y", "any", allocated)],
          returnValue: {},
          id: "experimentAssignment",
          salt: "",
          idType: "userID",
          configDelegate: "alloc_experiment",
        },
      ],
      idType: "userID",
      entity: "layer",
    },
  ],
  layers: { ...(payload.layers as object), "statsig::alloc_layer": ["alloc_experiment"] },
};

describe("statsig-node as the oracle (10,000 random ids, ASCII and non-ASCII)", () => {
  beforeAll(async () => {
    // localMode: the SDK makes no network request; the payload is its bootstrap
    await Statsig.initialize("secret-assay-test", {
      localMode: true,
      bootstrapValues: JSON.stringify(augmented),
    });
  });

  afterAll(() => {
    Statsig.shutdown();
  });

  it("experiment groups, rule ids, layer delegation and gates for every id", () => {
    const evaluator = new statsig.StatsigEvaluator(augmented as statsig.ConfigSpecsPayload);
    const ids = randomIds(10000, 1234);
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(4000);
    const groups = new Map<string | null, number>();
    for (let i = 0; i < ids.length; i++) {
      const user = { userID: ids[i]!, customIDs: { companyID: ids[(i + 7) % ids.length]! } };
      for (const name of ["alloc_experiment", "sample_experiment", "half_pass_experiment"]) {
        const expected = Statsig.getExperimentWithExposureLoggingDisabledSync(user, name);
        const ours = evaluator.getConfig(name, user);
        expect(ours.ruleId, `${name} ${user.userID}`).toBe(expected.getRuleID());
        expect(statsig.getExperimentGroup(augmented, name, user), `${name} ${user.userID}`).toBe(
          expected.getGroupName(),
        );
        if (name === "alloc_experiment") {
          const g = expected.getGroupName();
          groups.set(g, (groups.get(g) ?? 0) + 1);
        }
      }
      const layer = Statsig.getLayerWithExposureLoggingDisabledSync(user, "statsig::alloc_layer");
      const ourLayer = evaluator.getLayer("statsig::alloc_layer", user);
      expect(ourLayer.ruleId, `layer ${user.userID}`).toBe(layer.getRuleID());
      expect(ourLayer.groupName, `layer ${user.userID}`).toBe(layer.getGroupName());
      for (const g of ["gate_37_5", "company_gate_60", "partial_rollout_gate", "always_on_gate"]) {
        expect(evaluator.checkGate(g, user).value, `${g} ${user.userID}`).toBe(
          Statsig.checkGateWithExposureLoggingDisabledSync(user, g),
        );
      }
    }
    // every outcome was exercised: outside the allocation, held back by targeting, each group
    expect([...groups.keys()].sort()).toEqual([null, "Control", "Treatment 1", "Treatment 2"].sort());
    expect(groups.get(null)!).toBeGreaterThan(6000);
  });
});
