import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExperimentDefinition, ExperimentError, MemoryEventStore } from "@assay/core";
import { PostHog } from "posthog-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import posthogPlugin, { PostHogBackend } from "../src/index.js";
import { type Flag, fakePostHog } from "./harness.js";

const definition = (id: string, variants: string[]): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit: "user",
  traffic: 1,
  enabled: true,
});

const FLAGS: Flag[] = [
  {
    id: 1,
    key: "checkout-flow",
    version: 3,
    active: true,
    filters: {
      groups: [{ properties: [], rollout_percentage: 70 }],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 40 },
          { key: "one-page", rollout_percentage: 60 },
        ],
      },
      holdout: { id: 9, exclusion_percentage: 5 },
    },
  },
  {
    id: 2,
    key: "pricing",
    active: true,
    filters: {
      groups: [
        {
          properties: [{ key: "plan", type: "person", value: ["enterprise"], operator: "exact" }],
          rollout_percentage: 100,
          variant: "annual",
        },
        {
          properties: [{ key: "email", type: "person", value: "@example\\.com$", operator: "regex" }],
          rollout_percentage: 50,
        },
      ],
      multivariate: {
        variants: [
          { key: "control", rollout_percentage: 33.33 },
          { key: "annual", rollout_percentage: 33.33 },
          { key: "both", rollout_percentage: 33.34 },
        ],
      },
    },
  },
];
const EXPERIMENTS = [
  definition("checkout", ["control", "one-page"]),
  definition("pricing", ["control", "annual", "both"]),
];
const ids = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `user-${i}` : `ü-${i}-用户`));

describe("local evaluation against posthog-node, and the captured batches", () => {
  const { fetch, seen } = fakePostHog(() => FLAGS);
  const store = new MemoryEventStore();
  const backend = new PostHogBackend({
    experiments: EXPERIMENTS,
    store,
    projectApiKey: "phc_test",
    personalApiKey: "phx_test",
    host: "http://posthog.invalid",
    flagKeys: { checkout: "checkout-flow" },
    flushAt: 1000,
    fetch,
  });
  let sdk: PostHog;
  beforeAll(async () => {
    await backend.init();
    sdk = new PostHog("phc_other", {
      host: "http://posthog.invalid",
      personalApiKey: "phx_test",
      fetch: fetch!,
      flushAt: 1_000_000,
      featureFlagsPollingInterval: 3_600_000,
    });
    expect(await sdk.waitForLocalEvaluationReady(10_000)).toBe(true);
  });
  afterAll(async () => {
    await sdk.shutdown();
    await backend.close();
  });

  it("fetches the definitions with the personal API key", () => {
    const definitions = seen.requests.find((r) => r.url.includes("/flags/definitions"));
    expect(definitions?.authorization).toBe("Bearer phx_test");
  });

  it("20,000 ids with person properties: the variant posthog-node gives (holdout and targeting included)", async () => {
    const tally = new Map<string, number>();
    for (const [i, id] of ids(20_000).entries()) {
      const attributes = {
        plan: i % 9 === 0 ? "enterprise" : "pro",
        email: i % 3 === 0 ? `${i}@example.com` : `${i}@other.org`,
      };
      const all = await sdk.getAllFlags(id, { personProperties: attributes, onlyEvaluateLocally: true });
      for (const [experiment, key] of [
        ["checkout", "checkout-flow"],
        ["pricing", "pricing"],
      ] as const) {
        const v = backend.assign(experiment, { userId: id, attributes });
        const value = all[key];
        const expected = typeof value === "string" && !value.startsWith("holdout-") ? value : false;
        expect(v.inExperiment ? v.variantId : false, `${experiment} ${id}`).toBe(expected);
        const label = `${experiment}:${typeof value === "string" && value.startsWith("holdout") ? "holdout" : String(value)}`;
        tally.set(label, (tally.get(label) ?? 0) + 1);
      }
    }
    for (const label of [
      "checkout:control",
      "checkout:one-page",
      "checkout:holdout",
      "checkout:false",
      "pricing:annual",
      "pricing:both",
      "pricing:false",
    ]) {
      expect(tally.get(label), label).toBeGreaterThan(100);
    }
  });

  it("exposures are PostHog's $feature_flag_called events; outcomes carry experiment, variant, metric and value", async () => {
    const before = seen.events.length;
    const user = ids(50).find(
      (id) => backend.assign("checkout", { userId: id, attributes: {} }).inExperiment,
    )!;
    const variant = backend.assign("checkout", { userId: user, attributes: {} }).variantId;
    await backend.recordExposure({
      experiment: "checkout",
      variantId: variant,
      userId: user,
      timestamp: new Date(),
    });
    // pricing for a non-targeted user: the SDK cannot tell (no properties in the record): sent with the shown variant
    await backend.recordExposure({
      experiment: "pricing",
      variantId: "both",
      userId: "someone",
      timestamp: new Date("2026-01-02T03:04:05Z"),
      eventId: "0190a5e8-7c4b-7def-8123-456789abcdef",
    });
    await backend.recordOutcome({
      experiment: "checkout",
      metric: "revenue",
      value: { kind: "numeric", value: 42.5 },
      userId: user,
      timestamp: new Date("2026-01-02T03:05:00Z"),
    });
    expect(seen.events.length).toBe(before);
    await backend.flush();
    const batch = seen.events.slice(before);
    expect(batch.map((e) => e.event)).toEqual(["$feature_flag_called", "$feature_flag_called", "revenue"]);
    expect(batch[0]).toMatchObject({
      distinct_id: user,
      properties: {
        $feature_flag: "checkout-flow",
        $feature_flag_response: variant,
        $feature_flag_id: 1,
        locally_evaluated: true,
        // set by posthog-node's own flag-read path
        $feature_flag_evaluated_at: expect.any(Number),
        "$feature/checkout-flow": variant,
      },
    });
    expect(batch[1]).toMatchObject({
      distinct_id: "someone",
      uuid: "0190a5e8-7c4b-7def-8123-456789abcdef",
      timestamp: "2026-01-02T03:04:05.000Z",
      properties: { $feature_flag: "pricing", $feature_flag_response: "both", locally_evaluated: true },
    });
    expect(batch[2]).toMatchObject({
      distinct_id: user,
      properties: {
        experiment: "checkout",
        variant,
        metric: "revenue",
        value: 42.5,
        value_kind: "numeric",
        "$feature/checkout-flow": variant,
      },
    });
    expect(store.all().map((e) => e.type)).toEqual(["exposure", "exposure", "outcome"]);
  });
});

describe("lifecycle and options", () => {
  it("close drains posthog-node's queue", async () => {
    const { fetch, seen } = fakePostHog(() => FLAGS);
    const backend = new PostHogBackend({
      experiments: [definition("checkout-flow", ["control", "one-page"])],
      store: new MemoryEventStore(),
      projectApiKey: "phc_test",
      definitions: { flags: FLAGS as never, group_type_mapping: {}, cohorts: {} },
      host: "http://posthog.invalid",
      flushAt: 1000,
      fetch,
    });
    await backend.init();
    for (let i = 0; i < 25; i++) {
      await backend.recordOutcome({
        experiment: "checkout-flow",
        metric: "click",
        value: { kind: "count", value: i },
        userId: `u${i}`,
        timestamp: new Date(),
      });
    }
    expect(seen.events).toHaveLength(0);
    await backend.close();
    expect(seen.events.filter((e) => e.event === "click")).toHaveLength(25);
  });

  it("init fails when a flag is missing, not multivariate with the same keys, or needs experience continuity", async () => {
    const { fetch } = fakePostHog(() => [
      ...FLAGS,
      { ...FLAGS[0]!, id: 3, key: "sticky", ensure_experience_continuity: true },
    ]);
    const make = (experiments: ExperimentDefinition[]) =>
      new PostHogBackend({
        experiments,
        store: new MemoryEventStore(),
        projectApiKey: "phc",
        personalApiKey: "phx",
        host: "http://posthog.invalid",
        fetch,
      });
    const missing = await make([definition("nope", ["a", "b"])])
      .init()
      .catch((e: unknown) => e);
    expect(ExperimentError.is(missing, "BACKEND")).toBe(true);
    expect(String(missing)).toContain('no flag "nope"');
    await expect(make([definition("pricing", ["control", "annual"])]).init()).rejects.toThrow(
      /variant ids must be the flag's variant keys/,
    );
    await expect(make([definition("sticky", ["control", "one-page"])]).init()).rejects.toThrow(
      /experience continuity/,
    );
  });

  it("validates manifest options and reads definitions_file relative to the manifest", async () => {
    expect(
      posthogPlugin.validateOptions({
        project_api_key: "phc",
        personal_api_key: "phx",
        polling_interval: 60,
      }),
    ).toEqual([]);
    expect(posthogPlugin.validateOptions({ personal_api_key: "phx", flush_at: 0 }).map((i) => i.key)).toEqual(
      ["flush_at", "project_api_key"],
    );
    expect(posthogPlugin.validateOptions({ project_api_key: "phc" })[0]!.message).toContain(
      "give personal_api_key",
    );
    const dir = mkdtempSync(join(tmpdir(), "assay-ph-"));
    writeFileSync(join(dir, "flags.json"), JSON.stringify({ flags: FLAGS, group_type_mapping: {} }));
    const plugin = await posthogPlugin.createExperimentPlugin({
      name: "ph",
      options: {
        project_api_key: "phc",
        definitions_file: "flags.json",
        host: "http://127.0.0.1:9",
        experiments: { checkout: "checkout-flow" },
      },
      manifestDir: dir,
      experiments: [definition("checkout", ["control", "one-page"])],
      store: new MemoryEventStore(),
    });
    await plugin.init?.();
    expect(plugin.assign("checkout", { attributes: {} }).reason).toBe("anonymous");
    await plugin.close?.();
  });
});

describe("against a loopback PostHog", () => {
  let server: Server;
  let host = "";
  let rollout = 100;
  const seen: { path: string; authorization: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        if ((req.url ?? "").includes("/flags/definitions")) {
          const flag = {
            ...FLAGS[0]!,
            filters: {
              ...FLAGS[0]!.filters,
              holdout: undefined,
              groups: [{ properties: [], rollout_percentage: rollout }],
            },
          };
          res.end(JSON.stringify({ flags: [flag], group_type_mapping: {}, cohorts: {} }));
        } else res.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches definitions over HTTP with the personal API key and picks up a new rollout on the next poll", async () => {
    const backend = new PostHogBackend({
      experiments: [definition("checkout-flow", ["control", "one-page"])],
      store: new MemoryEventStore(),
      projectApiKey: "phc_test",
      personalApiKey: "phx_loopback",
      host,
      pollingIntervalSeconds: 0.2,
    });
    await backend.init();
    try {
      const enrolled = () =>
        ids(1000).filter((id) => backend.assign("checkout-flow", { userId: id, attributes: {} }).inExperiment)
          .length;
      expect(enrolled()).toBe(1000);
      expect(seen.find((s) => s.path.includes("/flags/definitions"))?.authorization).toBe(
        "Bearer phx_loopback",
      );
      rollout = 0;
      const deadline = Date.now() + 10_000;
      while (enrolled() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(enrolled()).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
