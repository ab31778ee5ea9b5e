import statsigModule from "statsig-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsig } from "../../src/index.js";
import { hasNonAscii, randomIds } from "./helpers.js";
import { augmented, payload } from "./statsig-payload.js";

// statsig-node is CommonJS whose module.exports is the Statsig singleton itself
const Statsig = statsigModule as unknown as typeof import("statsig-node")["Statsig"];

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

describe("statsig-node as the oracle of sdk = node-legacy (10,000 random ids, ASCII and non-ASCII)", () => {
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
    const evaluator = new statsig.StatsigEvaluator(augmented as statsig.ConfigSpecsPayload, {
      sdk: "node-legacy",
    });
    const ids = randomIds(10000, 1234);
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(4000);
    const groups = new Map<string | null, number>();
    for (let i = 0; i < ids.length; i++) {
      const user = { userID: ids[i]!, customIDs: { companyID: ids[(i + 7) % ids.length]! } };
      for (const name of ["alloc_experiment", "sample_experiment", "half_pass_experiment"]) {
        const expected = Statsig.getExperimentWithExposureLoggingDisabledSync(user, name);
        const ours = evaluator.getConfig(name, user);
        expect(ours.ruleId, `${name} ${user.userID}`).toBe(expected.getRuleID());
        expect(
          statsig.getExperimentGroup(augmented, name, user, "node-legacy"),
          `${name} ${user.userID}`,
        ).toBe(expected.getGroupName());
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
