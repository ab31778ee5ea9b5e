import type { MemoryEventStore } from "@assay/core";
import type { Assay } from "@assay/runtime";
import { OpenFeature } from "@openfeature/server-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AssayProvider } from "../src/index.js";
import { manifestClient } from "./support.js";

let assay: Assay;
let store: MemoryEventStore;

beforeEach(async () => {
  ({ assay, store } = await manifestClient());
});
afterEach(async () => {
  await OpenFeature.close();
  await assay.close();
});

async function exposures(experiment?: string) {
  await assay.flush();
  return store
    .all()
    .flatMap((e) =>
      e.type === "exposure" && (experiment === undefined || e.experiment === experiment) ? [e] : [],
    );
}

describe("the provider's after hook records exposures", () => {
  it("one exposure per successful evaluation of an experiment, with the variant served", async () => {
    await OpenFeature.setProviderAndWait("exposure", new AssayProvider(assay));
    const client = OpenFeature.getClient("exposure");
    const served = await client.getStringDetails("checkout", "d", { targetingKey: "alice" });
    await client.getStringValue("checkout", "d", { targetingKey: "alice" });
    await client.getStringValue("checkout", "d", { targetingKey: "alice" });
    await client.getStringValue("plain", "d", { targetingKey: "bob" });
    const recorded = await exposures();
    expect(recorded.map((e) => [e.experiment, e.userId])).toEqual([
      ["checkout", "alice"],
      ["checkout", "alice"],
      ["checkout", "alice"],
      ["plain", "bob"],
    ]);
    expect(recorded[0]).toMatchObject({ variantId: served.variant });
    const summary = await assay.summarize("checkout");
    expect(summary.variants).toEqual([{ variantId: served.variant, exposedUnits: 1, exposures: 3 }]);
  });

  it("none for a flag, a failed evaluation, or a unit that is not enrolled", async () => {
    await OpenFeature.setProviderAndWait("exposure", new AssayProvider(assay));
    const client = OpenFeature.getClient("exposure");
    await client.getBooleanValue("everyone", false, { targetingKey: "alice" });
    await client.getStringValue("copy", "d", { targetingKey: "alice" });
    const mismatch = await client.getBooleanDetails("checkout", false, { targetingKey: "alice" });
    expect(mismatch.errorCode).toBe("TYPE_MISMATCH");
    const missing = await client.getStringDetails("checkout", "d", {});
    expect(missing.errorCode).toBe("TARGETING_KEY_MISSING");
    const off = await client.getStringDetails("switched_off", "d", { targetingKey: "alice" });
    expect(off.reason).toBe("DISABLED");
    expect(await exposures()).toEqual([]);
  });

  it("none at all with exposure: false (the provider then has no hooks)", async () => {
    const provider = new AssayProvider(assay, { exposure: false });
    expect(provider.hooks).toEqual([]);
    await OpenFeature.setProviderAndWait("exposure", provider);
    await OpenFeature.getClient("exposure").getStringValue("checkout", "d", { targetingKey: "alice" });
    expect(await exposures()).toEqual([]);
  });

  it("an app's own before hook that rewrites the context: the exposure is of the context evaluated", async () => {
    await OpenFeature.setProviderAndWait("exposure", new AssayProvider(assay));
    const client = OpenFeature.getClient("exposure");
    client.addHooks({ before: () => ({ targetingKey: "rewritten" }) });
    const details = await client.getStringDetails("checkout", "d", { targetingKey: "original" });
    const recorded = await exposures("checkout");
    expect(recorded.map((e) => [e.userId, e.variantId])).toEqual([["rewritten", details.variant]]);
  });
});

describe("the hook exposes the Variant the provider served", () => {
  it("without assigning again when the SDK hands the hook the evaluated context", async () => {
    let assigns = 0;
    const counting = {
      ...assay,
      manifestVersion: assay.manifestVersion,
      experiments: () => assay.experiments(),
      flags: assay.flags,
      assign: (experiment: string, ctx: Parameters<Assay["assign"]>[1]) => {
        assigns++;
        return assay.assign(experiment, ctx);
      },
      expose: (variant: Parameters<Assay["expose"]>[0], ctx: Parameters<Assay["expose"]>[1]) =>
        assay.expose(variant, ctx),
      track: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    await OpenFeature.setProviderAndWait("exposure", new AssayProvider(counting));
    await OpenFeature.getClient("exposure").getStringValue("checkout", "d", { targetingKey: "alice" });
    expect(assigns).toBe(1);
    expect((await exposures("checkout")).length).toBe(1);
  });

  it("assigns again for a context it did not answer, and exposes only the variant the details name", async () => {
    const provider = new AssayProvider(assay);
    await OpenFeature.setProviderAndWait("exposure", provider);
    const hook = provider.hooks[0]!;
    const served = assay.assign("checkout", { userId: "zoe", attributes: {} });
    const hookContext = {
      flagKey: "checkout",
      flagValueType: "string" as const,
      defaultValue: "d",
      context: { targetingKey: "zoe" },
      clientMetadata: { providerMetadata: provider.metadata },
      providerMetadata: provider.metadata,
      logger: console,
      hookData: new Map(),
    };
    const details = {
      flagKey: "checkout",
      value: "x",
      flagMetadata: { experiment: "checkout" },
    };
    await hook.after?.(hookContext as never, { ...details, variant: "not-the-served-one" });
    expect(await exposures()).toEqual([]);
    await hook.after?.(hookContext as never, { ...details, variant: served.variantId });
    expect((await exposures("checkout")).map((e) => e.userId)).toEqual(["zoe"]);
  });
});
