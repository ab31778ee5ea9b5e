import { ExperimentContext } from "@assay/core";
import type { Assay } from "@assay/runtime";
import { type Client, OpenFeature } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssayProvider } from "../src/index.js";
import { manifestClient } from "./support.js";

let assay: Assay;
let client: Client;

beforeAll(async () => {
  ({ assay } = await manifestClient());
  await OpenFeature.setProviderAndWait("evaluation", new AssayProvider(assay, { exposure: false }));
  client = OpenFeature.getClient("evaluation");
});
afterAll(async () => {
  await OpenFeature.close();
  await assay.close();
});

const IDS = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? `user-${i}` : `ユーザー-${i}-ü`));

describe("AssayProvider through the OpenFeature SDK agrees with assign", () => {
  it("on 10,000 ids for string, id-valued, number, boolean and object experiments", async () => {
    let enrolled = 0;
    for (const id of IDS) {
      const ctx = ExperimentContext.forUser(id);
      const checkout = await client.getStringDetails("checkout", "none", { targetingKey: id });
      const expected = assay.assign("checkout", ctx);
      expect(checkout.variant).toBe(expected.variantId);
      expect(checkout.value).toBe(expected.value ?? expected.variantId);
      const plain = await client.getStringValue("plain", "none", { targetingKey: id });
      expect(plain).toBe(assay.assign("plain", ctx).variantId);
      const price = await client.getNumberValue("price", -1, { targetingKey: id });
      expect(price).toBe(assay.assign("price", ctx).value);
      const banner = await client.getBooleanValue("banner", false, { targetingKey: id });
      expect(banner).toBe(assay.assign("banner", ctx).value);
      const layout = await client.getObjectDetails("layout", {}, { targetingKey: id });
      const layoutVariant = assay.assign("layout", ctx);
      expect(layout.value).toEqual(layoutVariant.value);
      expect(layout.flagMetadata.inExperiment).toBe(layoutVariant.inExperiment);
      if (layoutVariant.inExperiment) enrolled++;
    }
    // traffic = 0.5: about half enrolled, so both branches of the metadata were compared.
    expect(enrolled).toBeGreaterThan(4_500);
    expect(enrolled).toBeLessThan(5_500);
  });

  it("on 10,000 ids for a partial-rollout boolean flag and a string flag", async () => {
    let on = 0;
    for (const id of IDS) {
      const ctx = ExperimentContext.forUser(id);
      const flag = await client.getBooleanDetails("new_checkout", false, { targetingKey: id });
      expect(flag.value).toBe(assay.flags.isEnabled("new_checkout", ctx));
      expect(flag.variant).toBe(flag.value ? "on" : "off");
      if (flag.value) on++;
      const copy = await client.getStringValue("copy", "fallback", { targetingKey: id });
      expect(copy).toBe(assay.flags.variant("copy", ctx, "fallback"));
    }
    expect(on).toBeGreaterThan(2_000);
    expect(on).toBeLessThan(3_000);
  });
});

describe("reasons and flag metadata", () => {
  it("an enrolled unit is SPLIT with the experiment, inExperiment and Assay's reason", async () => {
    const details = await client.getStringDetails("checkout", "none", { targetingKey: "alice" });
    expect(details.reason).toBe("SPLIT");
    expect(details.errorCode).toBeUndefined();
    expect(details.flagMetadata).toEqual({ experiment: "checkout", inExperiment: true, assayReason: "hash" });
  });

  it("outside the traffic share and outside targeting serve control as DEFAULT", async () => {
    const outside = IDS.find((id) => !assay.assign("layout", ExperimentContext.forUser(id)).inExperiment)!;
    const layout = await client.getObjectDetails("layout", {}, { targetingKey: outside });
    expect(layout).toMatchObject({
      reason: "DEFAULT",
      variant: "control",
      value: { columns: 1, hero: true },
    });
    expect(layout.flagMetadata).toMatchObject({ inExperiment: false, assayReason: "traffic" });

    const free = await client.getStringDetails("targeted", "none", { targetingKey: "bob", plan: "free" });
    expect(free).toMatchObject({ reason: "DEFAULT", variant: "control" });
    expect(free.flagMetadata.assayReason).toBe("targeting");
    const pro = await client.getStringDetails("targeted", "none", { targetingKey: "bob", plan: "pro" });
    expect(pro.reason).toBe("SPLIT");
    expect(pro.flagMetadata.inExperiment).toBe(true);
  });

  it("the kill switch is DISABLED, a forced unit TARGETING_MATCH", async () => {
    const off = await client.getStringDetails("switched_off", "none", { targetingKey: "carol" });
    expect(off).toMatchObject({ reason: "DISABLED", value: "old", variant: "control" });
    const forced = await client.getStringDetails("pinned", "none", { targetingKey: "qa-alice" });
    expect(forced).toMatchObject({ reason: "TARGETING_MATCH", value: "t", variant: "t" });
    expect(forced.flagMetadata).toMatchObject({ inExperiment: false, assayReason: "forced" });
  });

  it("flags: STATIC, SPLIT, TARGETING_MATCH, DEFAULT and DISABLED, with the flag in the metadata", async () => {
    const everyone = await client.getBooleanDetails("everyone", false, {});
    expect(everyone).toMatchObject({ value: true, reason: "STATIC", variant: "on" });
    expect(everyone.flagMetadata).toEqual({ flag: "everyone", enabled: true });
    const rollout = await client.getBooleanDetails("new_checkout", false, { targetingKey: "dave" });
    expect(rollout.reason).toBe("SPLIT");
    const pro = await client.getBooleanDetails("pro_only", false, { targetingKey: "e", plan: "pro" });
    expect(pro).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    const free = await client.getBooleanDetails("pro_only", true, { targetingKey: "e", plan: "free" });
    expect(free).toMatchObject({ value: false, reason: "DEFAULT", variant: "off" });
    const killed = await client.getBooleanDetails("killed", true, { targetingKey: "e" });
    expect(killed).toMatchObject({ value: false, reason: "DISABLED" });
  });

  it("a string flag that is off without an off value serves the caller's default as DEFAULT", async () => {
    const offId = IDS.find((id) => !assay.flags.isEnabled("copy_no_off", ExperimentContext.forUser(id)))!;
    const details = await client.getStringDetails("copy_no_off", "mine", { targetingKey: offId });
    expect(details).toMatchObject({ value: "mine", reason: "DEFAULT", variant: "off" });
    expect(details.errorCode).toBeUndefined();
  });
});

describe("the evaluation context", () => {
  it("a sessionId field is the session unit", async () => {
    const details = await client.getStringDetails("by_session", "none", { sessionId: "s-1" });
    const expected = assay.assign("by_session", { sessionId: "s-1", attributes: {} });
    expect(details).toMatchObject({ variant: expected.variantId, reason: "SPLIT" });
  });

  it("numbers and booleans become attribute text; objects, lists and null are dropped", async () => {
    const manifest = (await import("./support.js")).MANIFEST.replace(
      'targeting = { include = ["plan == pro"] }',
      'targeting = { include = ["seats >= 10", "beta == true"] }',
    );
    const local = await manifestClient(manifest);
    try {
      await OpenFeature.setProviderAndWait("context", new AssayProvider(local.assay, { exposure: false }));
      const typed = OpenFeature.getClient("context");
      const matched = await typed.getStringDetails("targeted", "none", {
        targetingKey: "f",
        seats: 12,
        beta: true,
      });
      expect(matched.flagMetadata.assayReason).toBe("hash");
      // The same rule given as an object is dropped: the rule cannot match a missing attribute.
      const dropped = await typed.getStringDetails("targeted", "none", {
        targetingKey: "f",
        seats: { count: 12 },
        beta: true,
      });
      expect(dropped.flagMetadata.assayReason).toBe("targeting");
    } finally {
      await local.assay.close();
    }
  });
});
