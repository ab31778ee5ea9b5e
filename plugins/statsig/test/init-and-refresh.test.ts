import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendError, type ExperimentDefinition, MemoryEventStore } from "@assay/core";
import { afterAll, describe, expect, it } from "vitest";
import { StatsigBackend } from "../src/index.js";
import { buildSpecs } from "./specs.js";
import { closeOffline, startSink } from "./statsig-sink.js";

const sink = await startSink();
afterAll(() => closeOffline(sink));

const experiment = (id: string, variants: string[], unit = "user"): ExperimentDefinition => ({
  id,
  variants: variants.map((v, i) => ({ id: v, weight: 1, isControl: i === 0 })),
  unit,
  traffic: 1,
  enabled: true,
});
const specs = (allocation: number, time: number, ruleSuffix = "") =>
  buildSpecs(
    [
      {
        name: "rollout",
        salt: "s-1",
        groups: [
          { name: "Control", weight: 1 },
          { name: "Test", weight: 1 },
        ],
        allocation,
        ruleSuffix,
      },
    ],
    [],
    time,
  );
const backend = (overrides: Partial<ConstructorParameters<typeof StatsigBackend>[0]>) =>
  new StatsigBackend({
    serverSecret: "secret-init",
    logEventUrl: sink.logEventUrl,
    experiments: [experiment("rollout", ["Control", "Test"])],
    store: new MemoryEventStore(),
    ...overrides,
  });

describe("init", () => {
  it("fetches the specs from specs_url with the server secret (the SDK's own download)", async () => {
    sink.specs = () => specs(1, 1_767_000_000_000);
    const b = backend({ specsUrl: sink.specsUrl });
    await b.init();
    expect(sink.specRequests.some((url) => url.startsWith("/v2/download_config_specs/secret-init"))).toBe(
      true,
    );
    expect(b.assign("rollout", { userId: "u1", attributes: {} }).inExperiment).toBe(true);
    await b.close();
  });

  const failures: [string, Partial<ConstructorParameters<typeof StatsigBackend>[0]>, RegExp][] = [
    [
      "an experiment missing from the specs",
      { specs: specs(1, 1), experiments: [experiment("absent", ["Control", "Test"])] },
      /no experiment "absent" \(for absent\)/,
    ],
    [
      "variant ids that are not the group names",
      { specs: specs(1, 1), experiments: [experiment("rollout", ["control", "test"])] },
      /has groups \[Control, Test\], rollout declares \[control, test\]/,
    ],
    [
      "a unit that is not the experiment's id type",
      { specs: specs(1, 1), experiments: [experiment("rollout", ["Control", "Test"], "company")] },
      /randomized by userID, rollout by company/,
    ],
    ["a specs file that does not exist", { specsFile: "missing.json", baseDir: tmpdir() }, /missing\.json/],
  ];
  for (const [what, overrides, message] of failures) {
    it(`fails with BACKEND for ${what}`, async () => {
      const error = await backend({ timeoutSeconds: 1, ...overrides })
        .init()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it("refuses to assign before init", () => {
    expect(() => backend({ specs: specs(1, 1) }).assign("rollout", { userId: "u", attributes: {} })).toThrow(
      /not initialised/,
    );
  });
});

describe("config refresh", () => {
  it("picks up an edited specs file on the SDK's next sync, its new group rules included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-statsig-refresh-"));
    const file = join(dir, "statsig.json");
    writeFileSync(file, JSON.stringify(specs(0, 1_767_000_000_000)));
    const b = backend({ specsFile: "statsig.json", baseDir: dir, syncIntervalSeconds: 1 });
    await b.init();
    const ids = Array.from({ length: 200 }, (_, i) => `refresh-${i}`);
    const enrolled = () =>
      ids.filter((id) => b.assign("rollout", { userId: id, attributes: {} }).inExperiment);
    expect(enrolled()).toHaveLength(0);
    // a new revision: all units allocated, and new rule ids for the groups (the adapter must rebind them)
    writeFileSync(file, JSON.stringify(specs(1, 1_767_000_100_000, "-r2")));
    const deadline = Date.now() + 15_000;
    while (enrolled().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(enrolled()).toHaveLength(200);
    await b.close();
  });
});
