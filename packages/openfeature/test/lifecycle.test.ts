import { writeFileSync } from "node:fs";
import { OpenFeature, ProviderEvents, ProviderStatus } from "@openfeature/server-sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AssayProvider } from "../src/index.js";
import { MANIFEST, manifestClient } from "./support.js";

afterEach(async () => {
  await OpenFeature.close();
});

describe("initialize, onClose, status and events", () => {
  it("a provider given a promise of a client is NOT_READY until it resolves, READY after, and closes it", async () => {
    const { assay } = await manifestClient();
    const close = vi.spyOn(assay, "close");
    let resolve!: (value: typeof assay) => void;
    const pending = new Promise<typeof assay>((r) => {
      resolve = r;
    });
    const provider = new AssayProvider(pending);
    const ready = OpenFeature.setProviderAndWait("lifecycle", provider);
    const client = OpenFeature.getClient("lifecycle");
    expect(client.providerStatus).toBe(ProviderStatus.NOT_READY);
    const early = await client.getStringDetails("checkout", "d", { targetingKey: "a" });
    expect(early).toMatchObject({ value: "d", errorCode: "PROVIDER_NOT_READY" });
    resolve(assay);
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect((await client.getStringDetails("checkout", "d", { targetingKey: "a" })).errorCode).toBeUndefined();
    await OpenFeature.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it("a client the app made is not closed by the provider unless ownsClient says so", async () => {
    const mine = await manifestClient();
    const closeMine = vi.spyOn(mine.assay, "close");
    await OpenFeature.setProviderAndWait("mine", new AssayProvider(mine.assay));
    const owned = await manifestClient();
    const closeOwned = vi.spyOn(owned.assay, "close");
    await OpenFeature.setProviderAndWait("owned", new AssayProvider(owned.assay, { ownsClient: true }));
    await OpenFeature.close();
    expect(closeMine).not.toHaveBeenCalled();
    expect(closeOwned).toHaveBeenCalledTimes(1);
    await mine.assay.close();
  });

  it("a client that fails to start puts the provider in ERROR", async () => {
    const provider = new AssayProvider(Promise.reject(new Error("manifest broken")));
    await expect(OpenFeature.setProviderAndWait("broken", provider)).rejects.toThrow("manifest broken");
    expect(OpenFeature.getClient("broken").providerStatus).toBe(ProviderStatus.ERROR);
  });

  it("a reloaded manifest is emitted as ConfigurationChanged and served from then on", async () => {
    const { assay, manifestPath } = await manifestClient();
    try {
      const provider = new AssayProvider(assay);
      await OpenFeature.setProviderAndWait("reload", provider);
      const client = OpenFeature.getClient("reload");
      const changed = vi.fn();
      client.addHandler(ProviderEvents.ConfigurationChanged, changed);
      expect((await client.getStringDetails("fresh", "d", { targetingKey: "a" })).errorCode).toBe(
        "FLAG_NOT_FOUND",
      );
      writeFileSync(
        manifestPath,
        MANIFEST.replace(
          '[[plugins]]\nname = "flags"',
          '[[plugins.experiments]]\nid = "fresh"\nvariants = [{ id = "control", weight = 1, is_control = true }, { id = "new", weight = 1 }]\n\n[[plugins]]\nname = "flags"',
        ),
      );
      await assay.reload();
      const fresh = await client.getStringDetails("fresh", "d", { targetingKey: "a" });
      expect(fresh.errorCode).toBeUndefined();
      expect(fresh.variant).toBe(assay.assign("fresh", { userId: "a", attributes: {} }).variantId);
      await vi.waitFor(() => expect(changed).toHaveBeenCalledTimes(1));
    } finally {
      await assay.close();
    }
  });

  it("something that is not a client is refused, saying what it got", () => {
    expect(() => new AssayProvider(undefined as never)).toThrow(
      "AssayProvider: needs a client from createAssay (or a promise of one), got undefined",
    );
  });

  it("a promise that rejects before OpenFeature initializes the provider is no unhandled rejection", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    const provider = new AssayProvider(Promise.reject(new Error("late")));
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off("unhandledRejection", unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    await expect(provider.initialize()).rejects.toThrow("late");
  });

  it("options that are not an object are refused, naming them", async () => {
    const { assay } = await manifestClient();
    expect(() => new AssayProvider(assay, null as never)).toThrow(
      "AssayProvider: options must be an object, got null",
    );
    await assay.close();
  });
});
