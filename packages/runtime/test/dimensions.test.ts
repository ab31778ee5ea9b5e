import { join } from "node:path";
import { ExperimentContext, type ExposureEvent, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import { appDir } from "./helpers.js";

const MANIFEST = `dimensions = ["country", "platform"]

[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]

[[plugins.experiments]]
id = "plain"
dimensions = []
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`;

describe("exposure dimensions", () => {
  it("records the declared attributes of the context with every exposure; a missing one is left out", async () => {
    const dir = await appDir({ "assay.toml": MANIFEST });
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    const alice = ExperimentContext.forUser("alice").withAttributes({
      country: "DE",
      platform: "ios",
      plan: "pro",
    });
    const bob = ExperimentContext.forUser("bob").withAttribute("platform", "web");
    const carol = ExperimentContext.forUser("carol");
    for (const ctx of [alice, bob, carol]) await assay.expose(assay.assign("checkout", ctx), ctx);
    await assay.expose(assay.assign("plain", alice), alice);
    await assay.flush();
    const exposures = store.all().filter((e): e is ExposureEvent => e.type === "exposure");
    expect(exposures.map((e) => [e.experiment, e.userId, e.dimensions])).toEqual([
      ["checkout", "alice", { country: "DE", platform: "ios" }],
      ["checkout", "bob", { platform: "web" }],
      ["checkout", "carol", undefined],
      ["plain", "alice", undefined],
    ]);
    const summary = await assay.summarize("checkout", { breakdown: "platform" });
    expect(
      summary.breakdown?.slices.map((s) => [s.value, s.variants.reduce((n, v) => n + v.exposedUnits, 0)]),
    ).toEqual([
      ["ios", 1],
      ["web", 1],
      [null, 1],
    ]);
    await assay.close();
  });
});
