import { testExperimentPlugin } from "@assay/testing";
import { OptimizelyBackend } from "../src/index.js";
import { datafileFor } from "./datafile.js";
import { RecordingDispatcher } from "./dispatcher.js";

testExperimentPlugin("optimizely", {
  create: ({ experiments, store }) =>
    new OptimizelyBackend({
      experiments,
      store,
      datafile: datafileFor(experiments),
      // events stay in the process
      eventDispatcher: new RecordingDispatcher(),
    }),
  units: 20_000,
});
