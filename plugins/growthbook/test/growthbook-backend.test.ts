import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExperimentDefinition, ExperimentError, MemoryEventStore } from "@assay/core";
import { type FeatureApiResponse, GrowthBook } from "@growthbook/growthbook";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import growthbookPlugin, { GrowthBookBackend, type GrowthBookExposure } from "../src/index.js";

const definition = (id: string, variants: string[], unit = "user"): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});

/** A payload in GrowthBook's own shapes: targeting, a force rule ahead of an experiment, an inline experiment. */
const PAYLOAD: FeatureApiResponse = {
  features: {
    "checkout-button": {
      defaultValue: "blue",
      rules: [
        { id: "r0", condition: { country: "FR" }, force: "red" },
        {
          id: "r1",
          key: "checkout-exp",
          seed: "phase-2",
          hashVersion: 2,
          coverage: 0.7,
          variations: ["blue", "green"],
          weights: [0.4, 0.6],
          meta: [{ key: "control" }, { key: "green" }],
        },
      ],
    },
    pricing: {
      defaultValue: 0,
      rules: [
        { id: "r2", variations: [0, 1, 2], hashVersion: 1, condition: { plan: { $ne: "enterprise" } } },
      ],
    },
  },
  experiments: [
    {
      key: "inline-onboarding",
      hashVersion: 2,
      variations: [{}, {}],
      weights: [0.5, 0.5],
      meta: [{ key: "control" }, { key: "short" }],
      changeId: "c1",
    } as NonNullable<FeatureApiResponse["experiments"]>[number],
  ],
};

const EXPERIMENTS = [
  definition("checkout", ["control", "green"]),
  definition("pricing", ["0", "1", "2"]),
  definition("inline-onboarding", ["control", "short"]),
];

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 2 ? `user-${i}` : `ü-${i}-用户`));
}

describe("assignments from a payload (offline)", () => {
  const exposures: GrowthBookExposure[] = [];
  const store = new MemoryEventStore();
  const backend = new GrowthBookBackend({
    experiments: EXPERIMENTS,
    store,
    payload: PAYLOAD,
    experimentKeys: { checkout: "checkout-exp" },
    onExposure: (e) => {
      exposures.push(e);
    },
  });
  beforeAll(() => backend.init());
  afterAll(() => backend.close());

  it("agrees with GrowthBook's own evaluation on 20,000 ids, targeting included", () => {
    let enrolled = 0;
    for (const [i, id] of ids(20_000).entries()) {
      const attributes = { country: i % 10 === 0 ? "FR" : "DE", plan: i % 7 === 0 ? "enterprise" : "pro" };
      const gb = new GrowthBook({ attributes: { ...attributes, id }, features: PAYLOAD.features! });
      const checkout = gb.evalFeature("checkout-button");
      const pricing = gb.evalFeature("pricing").experimentResult;
      const inline = gb.run(PAYLOAD.experiments![0] as never);
      const ctx = { userId: id, attributes };
      const got = {
        checkout: backend.assign("checkout", ctx),
        pricing: backend.assign("pricing", ctx),
        inline: backend.assign("inline-onboarding", ctx),
      };
      expect(got.checkout.inExperiment ? got.checkout.variantId : checkout.source).toBe(
        checkout.experimentResult?.inExperiment ? checkout.experimentResult.key : checkout.source,
      );
      if (checkout.source === "force") expect(got.checkout.reason).toBe("targeting");
      expect(got.pricing.inExperiment ? got.pricing.variantId : false).toBe(
        pricing?.inExperiment ? pricing.key : false,
      );
      expect(got.inline.inExperiment ? got.inline.variantId : false).toBe(
        inline.inExperiment ? inline.key : false,
      );
      if (got.checkout.inExperiment) enrolled++;
    }
    expect(enrolled).toBeGreaterThan(10_000);
    expect(exposures).toHaveLength(0);
    expect(store.all()).toHaveLength(0);
  });

  it("exposures go through GrowthBook's tracking callback to the store and the hook", async () => {
    const alice = ids(100).find(
      (id) => backend.assign("checkout", { userId: id, attributes: {} }).inExperiment,
    )!;
    const v = backend.assign("checkout", { userId: alice, attributes: {} });
    await backend.recordExposure({
      experiment: "checkout",
      variantId: v.variantId,
      userId: alice,
      timestamp: new Date(0),
      eventId: "e1",
    });
    expect(exposures).toHaveLength(1);
    expect(exposures[0]).toMatchObject({
      experiment: "checkout",
      variantId: v.variantId,
      growthbookExperiment: { key: "checkout-exp" },
      result: { key: v.variantId, hashAttribute: "id", hashValue: alice, inExperiment: true },
      eventId: "e1",
    });
    await backend.recordOutcome({
      experiment: "checkout",
      metric: "purchase",
      value: { kind: "bool", value: true },
      userId: alice,
      timestamp: new Date(1),
    });
    expect(store.all().map((e) => [e.type, e.eventId === "e1" || e.type === "outcome"])).toEqual([
      ["exposure", true],
      ["outcome", true],
    ]);
  });
});

describe("errors and options", () => {
  it("init fails on an experiment the payload lacks or whose variations do not match the variants", async () => {
    const store = new MemoryEventStore();
    const missing = new GrowthBookBackend({
      experiments: [definition("nope", ["a", "b"])],
      store,
      payload: PAYLOAD,
    });
    await expect(missing.init()).rejects.toThrow(
      /no experiment rule, feature or inline experiment with key "nope"/,
    );
    const mismatch = new GrowthBookBackend({
      experiments: [definition("pricing", ["a", "b"])],
      store,
      payload: PAYLOAD,
    });
    const error = await mismatch.init().catch((e: unknown) => e);
    expect(ExperimentError.is(error, "BACKEND")).toBe(true);
    expect((error as Error).message).toContain("pricing has 3 variations, pricing declares 2 variants");
  });

  it("validates manifest options", () => {
    expect(growthbookPlugin.validateOptions({ payload_file: "./gb.json" })).toEqual([]);
    expect(
      growthbookPlugin.validateOptions({ api_host: "http://x", client_key: "sdk-1", polling_interval: 30 }),
    ).toEqual([]);
    const issues = growthbookPlugin.validateOptions({
      client_key: "sdk-1",
      polling_interval: -1,
      cliet_key: 1,
    });
    expect(issues.map((i) => i.key)).toEqual(["polling_interval", "cliet_key", "api_host"]);
    expect(growthbookPlugin.validateOptions({}).map((i) => i.message)).toEqual([
      "give client_key (with api_host) to fetch the payload, or payload_file to read it from a file",
    ]);
  });

  it("reads payload_file relative to the manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-gb-"));
    writeFileSync(join(dir, "growthbook.json"), JSON.stringify(PAYLOAD));
    const plugin = await growthbookPlugin.createExperimentPlugin({
      name: "gb",
      options: { payload_file: "growthbook.json", experiments: { checkout: "checkout-exp" } },
      manifestDir: dir,
      experiments: [definition("checkout", ["control", "green"])],
      store: new MemoryEventStore(),
    });
    await plugin.init?.();
    expect(plugin.name).toBe("gb");
    expect(plugin.assign("checkout", { attributes: {} }).reason).toBe("anonymous");
    await plugin.close?.();
  });
});

describe("against a loopback features endpoint", () => {
  let server: Server;
  let host = "";
  let current: FeatureApiResponse = PAYLOAD;
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? "");
      if (req.url === "/api/features/sdk-test") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(current));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches the payload with the client key, then refreshes it in the background", async () => {
    const backend = new GrowthBookBackend({
      experiments: [definition("checkout", ["control", "green"])],
      store: new MemoryEventStore(),
      apiHost: host,
      clientKey: "sdk-test",
      pollingIntervalSeconds: 0.2,
      experimentKeys: { checkout: "checkout-exp" },
    });
    await backend.init();
    try {
      expect(requests[0]).toBe("/api/features/sdk-test");
      const enrolled = () =>
        ids(2000).filter((id) => backend.assign("checkout", { userId: id, attributes: {} }).inExperiment)
          .length;
      expect(enrolled() / 2000).toBeGreaterThan(0.6);
      expect(enrolled() / 2000).toBeLessThan(0.8);
      // GrowthBook now stops the experiment's coverage at 0: after the next poll nobody is enrolled
      const rules = PAYLOAD.features!["checkout-button"]!.rules!;
      current = {
        features: {
          "checkout-button": { defaultValue: "blue", rules: [rules[0]!, { ...rules[1]!, coverage: 0 }] },
        },
      };
      const deadline = Date.now() + 10_000;
      while (enrolled() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(enrolled()).toBe(0);
      expect(requests.length).toBeGreaterThan(1);
    } finally {
      await backend.close();
      current = PAYLOAD;
    }
  });

  it("fails init with BACKEND when the endpoint does not answer with features", async () => {
    const backend = new GrowthBookBackend({
      experiments: [definition("checkout", ["control", "green"])],
      store: new MemoryEventStore(),
      apiHost: host,
      clientKey: "sdk-unknown",
      timeoutSeconds: 2,
    });
    const error = await backend.init().catch((e: unknown) => e);
    expect(ExperimentError.is(error, "BACKEND")).toBe(true);
  });
});
