import { ExperimentContext, type MemoryEventStore } from "@assay/core";
import type { Assay } from "@assay/runtime";
import { type Client, OpenFeature } from "@openfeature/server-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AssayProvider } from "../src/index.js";
import { manifestClient } from "./support.js";

let assay: Assay;
let store: MemoryEventStore;
let provider: AssayProvider;
let client: Client;

beforeEach(async () => {
  ({ assay, store } = await manifestClient());
  provider = new AssayProvider(assay);
  await OpenFeature.setProviderAndWait("track", provider);
  client = OpenFeature.getClient("track");
});
afterEach(async () => {
  await OpenFeature.close();
  await assay.close();
});

async function outcomes() {
  await assay.flush();
  return store
    .all()
    .filter((e) => e.type === "outcome")
    .map((e) => (e.type === "outcome" ? [e.experiment, e.metric, e.userId, e.value] : []));
}

describe("track() records Assay outcomes", () => {
  it("details.value is the value, for the experiment details.experiment names", async () => {
    await client.getStringValue("checkout", "d", { targetingKey: "alice" });
    client.track("revenue", { targetingKey: "alice" }, { value: 49.9, experiment: "checkout" });
    expect(await outcomes()).toEqual([["checkout", "revenue", "alice", { kind: "numeric", value: 49.9 }]]);
    const summary = await assay.summarize("checkout");
    expect(summary.metrics.map((m) => [m.metric, m.variants[0]?.sum])).toEqual([["revenue", 49.9]]);
  });

  it("without a value it is a conversion; without an experiment it goes to every experiment the unit is enrolled in", async () => {
    client.track("purchase", { targetingKey: "alice", plan: "free" });
    const enrolled = assay
      .experiments()
      .filter(
        (d) =>
          assay.assign(d.id, ExperimentContext.forUser("alice").withAttribute("plan", "free")).inExperiment,
      )
      .map((d) => d.id);
    expect(enrolled).toContain("checkout");
    expect(enrolled).not.toContain("targeted"); // plan == pro only
    expect(enrolled).not.toContain("switched_off");
    const recorded = await outcomes();
    expect(recorded.map((o) => o[0])).toEqual(enrolled);
    expect(recorded[0]).toEqual(["checkout", "purchase", "alice", { kind: "bool", value: true }]);
  });

  it("a value that is not a finite number, or a bad context, records nothing and throws from the provider", async () => {
    expect(() => provider.track("revenue", { targetingKey: "alice" }, { value: Number.NaN })).toThrow(
      /details\.value must be a finite number, got NaN/,
    );
    expect(() => provider.track("revenue", { targetingKey: "a\u0000" }, { value: 1 })).toThrow(
      /context\.targetingKey/,
    );
    // Through the SDK the same calls are logged, not thrown, as OpenFeature's tracking API specifies.
    client.track("revenue", { targetingKey: "alice" }, { value: Number.POSITIVE_INFINITY });
    expect(await outcomes()).toEqual([]);
  });
});
