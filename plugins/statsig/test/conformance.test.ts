import { testExperimentPlugin } from "@assay/testing";
import { afterAll } from "vitest";
import { StatsigBackend } from "../src/index.js";
import { specsFor } from "./specs.js";
import { closeOffline, startSink } from "./statsig-sink.js";

// every SDK the suite builds sends its events to this loopback Statsig, never to the network
const sink = await startSink();
afterAll(() => closeOffline(sink));

testExperimentPlugin("statsig", {
  create: ({ experiments, store }) =>
    new StatsigBackend({
      experiments,
      store,
      serverSecret: "secret-conformance",
      specs: specsFor(experiments),
      logEventUrl: sink.logEventUrl,
    }),
  units: 20_000,
});
