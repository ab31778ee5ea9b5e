import { testExperimentPlugin } from "@assay/testing";
import { HashExperimentBackend } from "../src/index.js";

testExperimentPlugin("experiment-hash", {
  create: ({ experiments, store }) => new HashExperimentBackend({ experiments, store }),
});
