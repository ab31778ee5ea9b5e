import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { BackendError, type ExperimentDefinition, MemoryEventStore } from "@assay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OptimizelyBackend } from "../src/index.js";
import { buildDatafile } from "./datafile.js";
import { RecordingDispatcher } from "./dispatcher.js";

const experiment = (id: string, variants: string[]): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit: "user",
  traffic: 1,
  enabled: true,
});
const datafile = (traffic: number, revision: string, forced: Record<string, string> = {}) =>
  buildDatafile({
    experiments: [
      {
        key: "rollout",
        id: "41000",
        variations: [
          { key: "control", weight: 1 },
          { key: "test", weight: 1 },
        ],
        traffic,
        forced,
      },
    ],
    revision,
  });
const backend = (overrides: Partial<ConstructorParameters<typeof OptimizelyBackend>[0]>) =>
  new OptimizelyBackend({
    experiments: [experiment("rollout", ["control", "test"])],
    store: new MemoryEventStore(),
    eventDispatcher: new RecordingDispatcher(),
    ...overrides,
  });

// A loopback CDN: the datafile of every SDK key, what was asked for
let served = datafile(0, "1");
const requests: string[] = [];
const cdn = createServer((req, res) => {
  requests.push(req.url ?? "");
  if (!req.url?.startsWith("/datafiles/sdk-live.json")) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(served));
});
let template = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => cdn.listen(0, "127.0.0.1", resolve));
  template = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/datafiles/%s.json`;
});
afterAll(() => new Promise<void>((resolve) => cdn.close(() => resolve())));

describe("init", () => {
  const failures: [string, Partial<ConstructorParameters<typeof OptimizelyBackend>[0]>, RegExp][] = [
    [
      "an experiment missing from the datafile",
      { datafile: datafile(1, "1"), experiments: [experiment("absent", ["control", "test"])] },
      /no experiment "absent" \(for absent\)/,
    ],
    [
      "variant ids that are not the variation keys",
      { datafile: datafile(1, "1"), experiments: [experiment("rollout", ["Control", "Test"])] },
      /has variations \[control, test\], rollout declares \[Control, Test\]/,
    ],
    [
      "a datafile file that does not exist",
      { datafileFile: "missing.json", baseDir: tmpdir() },
      /missing\.json/,
    ],
    ["no source at all", {}, /give an SDK key, a datafile, or a datafile file/],
  ];
  for (const [what, overrides, message] of failures) {
    it(`fails with BACKEND for ${what}`, async () => {
      const error = await backend(overrides)
        .init()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it("fails with BACKEND when the SDK cannot download the datafile in time", async () => {
    const error = await backend({ sdkKey: "sdk-unknown", datafileUrl: template, timeoutSeconds: 1 })
      .init()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(BackendError);
    expect(requests).toContain("/datafiles/sdk-unknown.json");
  });

  it("refuses to assign before init", () => {
    expect(() =>
      backend({ datafile: datafile(1, "1") }).assign("rollout", { userId: "u", attributes: {} }),
    ).toThrow(/not initialised/);
  });
});

describe("config refresh", () => {
  it("the SDK's datafile polling brings a new revision, and assign follows it, forced users included", async () => {
    served = datafile(0, "1");
    const b = backend({ sdkKey: "sdk-live", datafileUrl: template, pollingIntervalSeconds: 0.3 });
    await b.init();
    expect(requests).toContain("/datafiles/sdk-live.json");
    const ids = Array.from({ length: 200 }, (_, i) => `refresh-${i}`);
    const enrolled = () =>
      ids.filter((id) => b.assign("rollout", { userId: id, attributes: {} }).inExperiment);
    expect(enrolled()).toHaveLength(0);
    // a new revision: everyone allocated, and a forced QA user the adapter must learn of (not enrolled)
    served = datafile(1, "2", { "refresh-0": "test" });
    const deadline = Date.now() + 10_000;
    while (enrolled().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(enrolled()).toHaveLength(199);
    expect(b.assign("rollout", { userId: "refresh-0", attributes: {} })).toMatchObject({
      variantId: "control",
      inExperiment: false,
      reason: "targeting",
    });
    await b.close();
  });
});
