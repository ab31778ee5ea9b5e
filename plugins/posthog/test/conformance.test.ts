import { testExperimentPlugin } from "@assay/testing";
import { PostHogBackend } from "../src/index.js";
import { fakePostHog, flagsFor } from "./harness.js";

testExperimentPlugin("posthog", {
  create: ({ experiments, store }) => {
    const { fetch } = fakePostHog(() => flagsFor(experiments));
    return new PostHogBackend({
      experiments,
      store,
      projectApiKey: "phc_test",
      personalApiKey: "phx_test",
      host: "http://posthog.invalid",
      fetch,
    });
  },
});
