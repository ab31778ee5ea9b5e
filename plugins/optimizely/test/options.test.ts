import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPluginDefinition, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import plugin, { OptimizelyBackend, validateOptions } from "../src/index.js";
import { REALISTIC_DATAFILE, REALISTIC_EXPERIMENTS } from "./realistic.js";

describe("manifest options", () => {
  it("accepts an SDK key with polling, or a datafile file, and the tuning options", () => {
    expect(
      validateOptions({
        sdk_key: "JWQSgMa6LeRK6gyxpcNKw",
        datafile_url: "https://cdn.example/%s.json",
        polling_interval: 60,
        timeout: 5,
        experiments: { checkout: "checkout_test" },
        events: { purchase: "order_completed" },
        event_url: "https://events-proxy.example/v1/events",
        attribute_types: { age: "number", beta: "boolean" },
        batch_size: 20,
        flush_interval: 10,
        context_memory: 0,
      }),
    ).toEqual([]);
    expect(validateOptions({ datafile_file: "./datafile.json" })).toEqual([]);
  });

  it("names the key for an unknown option, with the nearest valid one", () => {
    const [issue] = validateOptions({ datafile_file: "./datafile.json", batchsize: 5 });
    expect(issue?.key).toBe("batchsize");
    expect(issue?.message).toContain("batch_size");
  });

  it("refuses no source, both sources, polling without an SDK key, and bad values", () => {
    expect(validateOptions({}).map((i) => i.key)).toEqual(["sdk_key"]);
    expect(validateOptions({ sdk_key: "k", datafile_file: "d.json" }).map((i) => i.key)).toEqual([
      "datafile_file",
    ]);
    const issues = validateOptions({
      datafile_file: "d.json",
      polling_interval: 30,
      batch_size: 0,
      events: [],
      attribute_types: { age: "int" },
    });
    expect(issues.map((i) => i.key).sort()).toEqual([
      "attribute_types",
      "batch_size",
      "events",
      "polling_interval",
    ]);
    expect(issues.find((i) => i.key === "batch_size")?.message).toBe(
      "must be a whole number >= 1 (events per batch), got 0",
    );
  });
});

describe("the plugin module", () => {
  it("is a definePlugin module whose backend reads datafile_file beside the manifest", async () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.provides).toEqual(["experiments"]);
    const dir = mkdtempSync(join(tmpdir(), "assay-optimizely-manifest-"));
    writeFileSync(join(dir, "datafile.json"), JSON.stringify(REALISTIC_DATAFILE));
    const backend = plugin.createExperimentPlugin!({
      name: "vendor",
      options: { datafile_file: "datafile.json", experiments: { checkout: "checkout_redesign" } },
      manifestDir: dir,
      experiments: [{ ...REALISTIC_EXPERIMENTS[0]!, id: "checkout" }],
      store: new MemoryEventStore(),
    });
    expect(backend).toBeInstanceOf(OptimizelyBackend);
    expect(backend.name).toBe("vendor");
    await backend.init?.();
    const ids = Array.from({ length: 100 }, (_, i) => `m-${i}`);
    const variants = ids.map((id) => backend.assign("checkout", { userId: id, attributes: {} }));
    expect(variants.every((v) => v.experiment === "checkout")).toBe(true);
    expect(new Set(variants.filter((v) => v.inExperiment).map((v) => v.variantId)).size).toBe(3);
    // no exposure recorded here: the default dispatcher would send it to Optimizely
    await backend.close?.();
  });
});
