import { testExperimentPlugin } from "@assay/testing";
import { GrowthBookBackend } from "../src/index.js";
import { payloadFor } from "./payload.js";

testExperimentPlugin("growthbook", {
  create: ({ experiments, store }) =>
    new GrowthBookBackend({ experiments, store, payload: payloadFor(experiments) }),
});
