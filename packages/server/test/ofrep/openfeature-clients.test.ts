import { ExperimentContext, type VariantValue } from "@assay/core";
import { type Assay, createAssay } from "@assay/runtime";
import { sampleIds } from "@assay/testing";
import { OFREPApi } from "@openfeature/ofrep-core";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
import { OpenFeature as ServerOpenFeature } from "@openfeature/server-sdk";
import { OpenFeature as WebOpenFeature, type Provider as WebProvider } from "@openfeature/web-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, serveDashboard } from "../../src/index.js";
import { API_KEYS, evaluatingOpener, httpFetch, KEYS, manifestFile } from "./support.js";

const IDS = sampleIds(10_000, 17);
const auth = { authorization: `Bearer ${KEYS.evaluate}` };

let server: RunningDashboard;
let reference: Assay;
let baseUrl = "";

beforeAll(async () => {
  const manifest = manifestFile();
  server = await serveDashboard({ open: evaluatingOpener(manifest).open, port: 0, keys: API_KEYS });
  baseUrl = server.url.replace(/\/$/, "");
  // An independent client over the same manifest: what `assign()` in the app itself answers.
  reference = await createAssay({ manifest, handleSignals: false });
}, 60_000);

afterAll(async () => {
  await ServerOpenFeature.close();
  await WebOpenFeature.close();
  await server?.close();
  await reference?.close();
});

/** What OFREP must serve for an experiment: the variant's value, else its id. */
function expected(experiment: string, id: string): { value: VariantValue; variant: string } {
  const variant = reference.assign(experiment, ExperimentContext.forUser(id));
  return { value: variant.value ?? variant.variantId, variant: variant.variantId };
}

/** Runs `task` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

describe("the official OFREP server provider (@openfeature/server-sdk + @openfeature/ofrep-provider)", () => {
  it("agrees with assign() on 10,000 ids; object, number and boolean values on 500 of them", async () => {
    await ServerOpenFeature.setProviderAndWait(
      new OFREPProvider({
        baseUrl,
        headers: [["Authorization", `Bearer ${KEYS.evaluate}`]],
        fetchImplementation: httpFetch,
      }),
    );
    const client = ServerOpenFeature.getClient();
    const mismatches: string[] = [];
    const variants = new Set<string>();
    await inParallel(IDS, 64, async (id) => {
      const checkout = await client.getStringDetails("checkout", "fallback", { targetingKey: id });
      const want = expected("checkout", id);
      variants.add(checkout.variant ?? "none");
      if (
        checkout.value !== want.value ||
        checkout.variant !== want.variant ||
        checkout.errorCode !== undefined
      )
        mismatches.push(`checkout ${id}: ${JSON.stringify(checkout)} vs ${JSON.stringify(want)}`);
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(variants).toEqual(new Set(["control", "treatment-a", "treatment-b"]));
    await inParallel(IDS.slice(0, 500), 64, async (id) => {
      const context = { targetingKey: id };
      const layout = await client.getObjectDetails("layout", {}, context);
      const wantLayout = expected("layout", id);
      expect(layout.value).toEqual(wantLayout.value);
      expect(layout.variant).toBe(wantLayout.variant);
      const price = await client.getNumberDetails("price", -1, context);
      expect(price.value).toBe(expected("price", id).value);
      const banner = await client.getBooleanDetails("banner", false, context);
      expect(banner.value).toBe(expected("banner", id).value);
      expect(banner.reason).toBe("SPLIT");
      expect(banner.flagMetadata).toMatchObject({
        experiment: "banner",
        inExperiment: true,
        assayReason: "hash",
      });
    });
  }, 120_000);

  it("maps the server's errors to OpenFeature's: FLAG_NOT_FOUND, TARGETING_KEY_MISSING, TYPE_MISMATCH", async () => {
    const client = ServerOpenFeature.getClient();
    const missing = await client.getStringDetails("no_such_flag", "fallback", { targetingKey: "u1" });
    expect(missing).toMatchObject({ value: "fallback", errorCode: "FLAG_NOT_FOUND" });
    const noKey = await client.getStringDetails("checkout", "fallback", {});
    expect(noKey).toMatchObject({ value: "fallback", errorCode: "TARGETING_KEY_MISSING" });
    const wrongType = await client.getBooleanDetails("checkout", false, { targetingKey: "u1" });
    expect(wrongType).toMatchObject({ value: false, errorCode: "TYPE_MISMATCH" });
    // a flag needs no targeting key when its rollout is 1
    expect(await client.getBooleanValue("everyone", false, {})).toBe(true);
  });

  it("a key without the evaluate role gets the provider's default, never a value", async () => {
    const other = ServerOpenFeature.getClient("wrong-role");
    await ServerOpenFeature.setProviderAndWait(
      "wrong-role",
      new OFREPProvider({ baseUrl, headers: [["Authorization", `Bearer ${KEYS.ingest}`]] }),
    );
    const details = await other.getStringDetails("checkout", "fallback", { targetingKey: "u1" });
    expect(details.value).toBe("fallback");
    expect(details.errorCode).toBeDefined();
  });
});

describe("bulk evaluation", () => {
  it("OFREPApi.postBulkEvaluateFlags (the providers' transport) agrees with assign() on 10,000 ids", async () => {
    const api = new OFREPApi(baseUrl, httpFetch);
    const mismatches: string[] = [];
    await inParallel(IDS, 64, async (id) => {
      const result = await api.postBulkEvaluateFlags({ context: { targetingKey: id } }, { headers: auth });
      if (result.httpStatus !== 200) {
        mismatches.push(`${id}: status ${result.httpStatus}`);
        return;
      }
      const flags = (result.value as { flags: { key: string; value?: unknown; variant?: string }[] }).flags;
      for (const experiment of ["checkout", "layout", "price", "banner"]) {
        const got = flags.find((f) => f.key === experiment);
        const want = expected(experiment, id);
        if (JSON.stringify(got?.value) !== JSON.stringify(want.value) || got?.variant !== want.variant)
          mismatches.push(`${experiment} ${id}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      }
      const flag = flags.find((f) => f.key === "new_checkout");
      const on = reference.flags.isEnabled("new_checkout", ExperimentContext.forUser(id));
      if (flag?.value !== on) mismatches.push(`new_checkout ${id}: ${JSON.stringify(flag)} vs ${on}`);
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 120_000);

  it("the web provider (@openfeature/web-sdk + @openfeature/ofrep-web-provider) serves assign()'s answers and polls with If-None-Match, getting 304s", async () => {
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const response = await httpFetch(input, init);
      statuses.push(response.status);
      return response;
    };
    // The web provider's own types predate exactOptionalPropertyTypes (hooks?: Hook[] | undefined).
    const provider = new OFREPWebProvider({
      baseUrl,
      headers: [["Authorization", `Bearer ${KEYS.evaluate}`]],
      pollInterval: 50,
      cacheMode: "disabled",
      fetchImplementation: counting,
    }) as unknown as WebProvider;
    await WebOpenFeature.setProviderAndWait(provider);
    const client = WebOpenFeature.getClient();
    for (const id of IDS.slice(0, 300)) {
      await WebOpenFeature.setContext({ targetingKey: id });
      const want = expected("checkout", id);
      expect(client.getStringDetails("checkout", "fallback")).toMatchObject({
        value: want.value,
        variant: want.variant,
        reason: "SPLIT",
      });
      expect(client.getObjectValue("layout", {})).toEqual(expected("layout", id).value);
    }
    // the context stays put: the polls send the last ETag and get 304 (no body). A poll already in flight
    // when the last context was set answers 200 with the new ETag, so let that one land before counting.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const before = statuses.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const polls = statuses.slice(before);
    expect(polls.length).toBeGreaterThan(2);
    expect(polls.every((s) => s === 304)).toBe(true);
  }, 60_000);
});
