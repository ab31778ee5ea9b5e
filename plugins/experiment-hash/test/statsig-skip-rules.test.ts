import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { type ExperimentDefinition, MemoryEventStore, VECTORS } from "./helpers.js";

const payload = JSON.parse(readFileSync(new URL("statsig-download-config-specs.json", VECTORS), "utf8"));
// the vectors' sample_experiment behind a targeting gate that reads the e-mail (a user field)
const targeted = JSON.parse(
  JSON.stringify(payload.dynamic_configs.find((c: { name: string }) => c.name === "sample_experiment")),
);
targeted.name = "targeted_experiment";
targeted.rules.splice(1, 0, {
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
});
const dir = mkdtempSync(join(tmpdir(), "assay-statsig-skip-"));
writeFileSync(
  join(dir, "specs.json"),
  JSON.stringify({ ...payload, dynamic_configs: [...payload.dynamic_configs, targeted] }),
);

const definition = (experiment: string, skipRules?: string[]): ExperimentDefinition => ({
  id: "exp",
  variants: [
    { id: "Control", weight: 1, isControl: true },
    { id: "Test", weight: 1, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
  hashing: { mode: "statsig", payload: "./specs.json", experiment, ...(skipRules ? { skipRules } : {}) },
});
const backendOf = (d: ExperimentDefinition) =>
  new HashExperimentBackend({ experiments: [d], store: new MemoryEventStore(), baseDir: dir });

describe("statsig mode: rules needing user attributes", () => {
  it("refuses at load an experiment whose rule reads a user field and is not skipped, naming rule and gate", () => {
    expect(() => backendOf(definition("targeted_experiment"))).toThrow(
      /rule "targetingGate" of "targeted_experiment" has a user_field condition \(in gate "on_for_statsig_email"\).*hashing\.skip_rules/,
    );
  });

  it("refuses a skip_rules id that is not a rule of the experiment", () => {
    expect(() => backendOf(definition("targeted_experiment", ["targetingGate", "nope"]))).toThrow(
      /skip_rules names "nope", which is not a rule of "targeted_experiment"/,
    );
  });

  it("with the targeting gate skipped, gives every unit the group of the experiment without it", () => {
    const skipping = backendOf(definition("targeted_experiment", ["targetingGate"]));
    const plain = backendOf(definition("sample_experiment"));
    for (let i = 0; i < 5000; i++) {
      const ctx = { userId: `user-${i}-é`, attributes: {} };
      expect(skipping.assign("exp", ctx).variantId).toBe(plain.assign("exp", ctx).variantId);
    }
    expect(skipping.assign("exp", { userId: "123", attributes: {} }).variantId).toBe("Control");
  });
});
