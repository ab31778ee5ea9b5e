import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsig } from "../../src/index.js";
import { hasNonAscii, randomIds } from "./helpers.js";
import { augmented, toV2 } from "./statsig-payload.js";

const v2 = toV2(augmented);
const EXPERIMENTS = ["alloc_experiment", "sample_experiment", "half_pass_experiment"];
const GATES = ["gate_37_5", "company_gate_60", "partial_rollout_gate", "always_on_gate"];

/** Long ids mixing scripts, where statsig-node's SHA-256 defect shows (a multi-byte character across a block). */
function longMixedIds(n: number): string[] {
  const parts = ["é", "用户", "😀", "ж", "a", "Z", "9", "-"];
  return Array.from({ length: n }, (_, i) => {
    let id = `u${i}-`;
    for (let j = 0; id.length < 40 + (i % 60); j++) id += parts[(i * 7 + j * 3) % parts.length];
    return id;
  });
}

describe("@statsig/statsig-node-core as the oracle of sdk = node-core, on the v2 (map) payload", () => {
  // the specs reach the SDK through its data-store adapter and the network is off: nothing leaves the process
  const sdk = new Statsig("secret-assay-node-core", {
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

  it("reads both payload formats alike", () => {
    const fromV1 = new statsig.StatsigEvaluator(augmented as statsig.ConfigSpecsPayload);
    const fromV2 = new statsig.StatsigEvaluator(v2 as statsig.ConfigSpecsPayloadV2);
    for (const id of randomIds(2000, 99)) {
      for (const name of EXPERIMENTS)
        expect(fromV2.getConfig(name, { userID: id })).toEqual(fromV1.getConfig(name, { userID: id }));
    }
    expect(statsig.findExperimentSpec(v2 as statsig.StatsigPayload, "alloc_experiment")?.rules.length).toBe(
      statsig.findExperimentSpec(augmented as statsig.StatsigPayload, "alloc_experiment")?.rules.length,
    );
  });

  it("experiment groups, rule ids, layer delegation and gates for 10,000 random and 10,000 long mixed-script ids", () => {
    const evaluator = new statsig.StatsigEvaluator(v2 as statsig.ConfigSpecsPayloadV2);
    const legacy = new statsig.StatsigEvaluator(v2 as statsig.ConfigSpecsPayloadV2, { sdk: "node-legacy" });
    const ids = [...randomIds(10_000, 4321), ...longMixedIds(10_000)];
    expect(ids.filter(hasNonAscii).length).toBeGreaterThan(14_000);
    const groups = new Map<string | null, number>();
    let legacyDiffers = 0;
    for (let i = 0; i < ids.length; i++) {
      const unit = { userID: ids[i]!, customIDs: { companyID: ids[(i + 7) % ids.length]! } };
      const user = new StatsigUser(unit);
      for (const name of EXPERIMENTS) {
        const expected = sdk.getExperiment(user, name, { disableExposureLogging: true });
        const ours = evaluator.getConfig(name, unit);
        expect(ours.ruleId, `${name} ${unit.userID}`).toBe(expected.ruleID);
        expect(
          statsig.getExperimentGroup(v2 as statsig.StatsigPayload, name, unit),
          `${name} ${unit.userID}`,
        ).toBe(expected.groupName);
        if (legacy.getConfig(name, unit).ruleId !== expected.ruleID) legacyDiffers++;
        if (name === "alloc_experiment")
          groups.set(expected.groupName, (groups.get(expected.groupName) ?? 0) + 1);
      }
      const layer = sdk.getLayer(user, "statsig::alloc_layer", { disableExposureLogging: true });
      expect(evaluator.getLayer("statsig::alloc_layer", unit).ruleId, `layer ${unit.userID}`).toBe(
        layer.ruleID,
      );
      for (const g of GATES) {
        expect(evaluator.checkGate(g, unit).value, `${g} ${unit.userID}`).toBe(
          sdk.checkGate(user, g, { disableExposureLogging: true }),
        );
      }
    }
    expect([...groups.keys()].sort()).toEqual([null, "Control", "Treatment 1", "Treatment 2"].sort());
    // statsig-node's defect moves some of these ids: node-core is the mode that agrees with Statsig today
    expect(legacyDiffers).toBeGreaterThan(100);
  });
});
