import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPluginDefinition, MemoryEventStore } from "@assay/core";
import { afterAll, describe, expect, it } from "vitest";
import plugin, { StatsigBackend, validateOptions } from "../src/index.js";
import { REALISTIC_EXPERIMENTS, REALISTIC_SPECS } from "./realistic.js";
import { closeOffline, exposuresOf, startSink } from "./statsig-sink.js";

describe("manifest options", () => {
  it("accepts a server secret with a specs file or URL and every tuning option", () => {
    expect(
      validateOptions({
        server_secret: "secret-abc",
        specs_file: "./statsig.json",
        sync_interval: 30,
        flush_interval: 5,
        timeout: 3,
        environment: "staging",
        experiments: { checkout: "checkout_v2" },
        context_memory: 0,
        log_level: "warn",
      }),
    ).toEqual([]);
    expect(validateOptions({ server_secret: "secret-abc", specs_url: "https://cdn.example/v2" })).toEqual([]);
  });

  it("names the key for an unknown option, with the nearest valid one", () => {
    const [issue] = validateOptions({ server_secret: "secret-abc", spec_file: "./statsig.json" });
    expect(issue?.key).toBe("spec_file");
    expect(issue?.message).toContain("specs_file");
  });

  it("refuses a missing secret, both sources, and bad values, each under its key", () => {
    const issues = validateOptions({
      specs_file: "a.json",
      specs_url: "https://x",
      sync_interval: 0,
      log_level: "loud",
      experiments: { checkout: "" },
      context_memory: 1.5,
    });
    expect(issues.map((i) => i.key).sort()).toEqual([
      "context_memory",
      "experiments",
      "log_level",
      "server_secret",
      "specs_file",
      "sync_interval",
    ]);
    expect(issues.find((i) => i.key === "log_level")?.message).toBe(
      'must be one of "none", "error", "warn", "info", "debug", got "loud"',
    );
  });
});

describe("the plugin module", () => {
  const sink = startSink();
  afterAll(async () => closeOffline(await sink));

  it("is a definePlugin module whose backend reads specs_file beside the manifest", async () => {
    const { logEventUrl } = await sink;
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.provides).toEqual(["experiments"]);
    const dir = mkdtempSync(join(tmpdir(), "assay-statsig-manifest-"));
    writeFileSync(join(dir, "statsig.json"), JSON.stringify(REALISTIC_SPECS));
    const backend = plugin.createExperimentPlugin!({
      name: "vendor",
      options: {
        server_secret: "secret-module",
        specs_file: "statsig.json",
        log_event_url: logEventUrl,
        experiments: { checkout: "checkout_redesign" },
      },
      manifestDir: dir,
      experiments: [{ ...REALISTIC_EXPERIMENTS[0]!, id: "checkout" }],
      store: new MemoryEventStore(),
    });
    expect(backend).toBeInstanceOf(StatsigBackend);
    expect(backend.name).toBe("vendor");
    await backend.init?.();
    const variant = backend.assign("checkout", { userId: "alice", attributes: {} });
    expect(variant).toMatchObject({ experiment: "checkout", inExperiment: true, reason: "hash" });
    await backend.recordExposure({ ...variant, userId: "alice", timestamp: new Date() });
    await backend.close?.();
    expect(exposuresOf(await sink, "checkout_redesign").map((e) => e.user.userID)).toEqual(["alice"]);
  });
});
