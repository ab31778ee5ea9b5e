import { MemoryEventStore } from "@assay/core";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptimizelyBackend } from "../src/index.js";
import { buildDatafile } from "./datafile.js";
import { RecordingDispatcher } from "./dispatcher.js";
import { mixedIds } from "./realistic.js";

// an audience on a number and a boolean: age > 17 and beta is true
const DATAFILE = buildDatafile({
  experiments: [
    {
      key: "adult_offer",
      id: "51000",
      variations: [
        { key: "control", weight: 1 },
        { key: "offer", weight: 3 },
      ],
      audienceIds: ["15101"],
    },
  ],
  audiences: [
    {
      id: "15101",
      conditions: [
        "and",
        { name: "age", type: "custom_attribute", match: "gt", value: 17 },
        { name: "beta", type: "custom_attribute", match: "exact", value: true },
      ],
    },
  ],
  attributes: ["age", "beta"],
});
const EXPERIMENT = {
  id: "adult_offer",
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "offer", weight: 3, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
};
const backend = (attributeTypes?: Record<string, "number" | "boolean">) =>
  new OptimizelyBackend({
    datafile: DATAFILE,
    eventDispatcher: new RecordingDispatcher(),
    experiments: [EXPERIMENT],
    store: new MemoryEventStore(),
    ...(attributeTypes === undefined ? {} : { attributeTypes }),
  });

describe("attribute_types: numeric and boolean audience conditions", () => {
  const typed = backend({ age: "number", beta: "boolean" });
  const untyped = backend();
  const oracle = createInstance({
    projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(DATAFILE) }),
  });
  beforeAll(async () => {
    await typed.init();
    await untyped.init();
    await oracle.onReady();
  });
  afterAll(async () => {
    await typed.close();
    await untyped.close();
    await oracle.close();
  });

  it("agree with the SDK given real numbers and booleans on 4,000 ids; strings alone match nothing", () => {
    let enrolled = 0;
    for (const [i, id] of mixedIds(4_000).entries()) {
      const age = 10 + (i % 20);
      const beta = i % 4 !== 0;
      const attributes = { age: String(age), beta: String(beta) };
      const expected = oracle.getVariation("adult_offer", id, { age, beta });
      const variant = typed.assign("adult_offer", { userId: id, attributes });
      expect({ id, variantId: variant.variantId, inExperiment: variant.inExperiment }).toEqual({
        id,
        variantId: expected ?? "control",
        inExperiment: expected !== null,
      });
      if (variant.inExperiment) enrolled++;
      // as strings, "18" > 17 and "true" == true do not hold in Optimizely's evaluator
      expect(untyped.assign("adult_offer", { userId: id, attributes }).inExperiment).toBe(false);
    }
    expect(enrolled).toBeGreaterThan(1_000); // 12 ages of 20 above 17, three quarters in beta
  });

  it("leaves out a value that does not convert, so the audience fails", () => {
    for (const attributes of [
      { age: "abc", beta: "true" },
      { age: "", beta: "true" },
      { age: "30", beta: "yes" },
    ]) {
      expect(typed.assign("adult_offer", { userId: "u-1", attributes }).inExperiment).toBe(false);
    }
    expect(
      typed.assign("adult_offer", { userId: "u-1", attributes: { age: "3e1", beta: "true" } }).inExperiment,
    ).toBe(oracle.getVariation("adult_offer", "u-1", { age: 30, beta: true }) !== null);
  });
});
