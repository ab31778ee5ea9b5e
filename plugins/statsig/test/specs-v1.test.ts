import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendError, MemoryEventStore } from "@assay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatsigBackend } from "../src/index.js";
import { mixedIds, REALISTIC_EXPERIMENTS, REALISTIC_SPECS } from "./realistic.js";
import { closeOffline, startSink } from "./statsig-sink.js";

const sink = await startSink();
afterAll(() => closeOffline(sink));

/** The v1 (statsig-node) form of v2 specs: lists of named specs, conditions inline. */
function toV1(v2: Record<string, unknown>): Record<string, unknown> {
  const conditions = v2.condition_map as Record<string, unknown>;
  const list = (field: string) =>
    Object.entries(v2[field] as Record<string, { rules: { conditions: string[] }[] }>).map(
      ([name, spec]) => ({
        name,
        ...spec,
        rules: spec.rules.map((r) => ({ ...r, conditions: r.conditions.map((k) => conditions[k]) })),
      }),
    );
  return {
    feature_gates: list("feature_gates"),
    dynamic_configs: list("dynamic_configs"),
    layer_configs: list("layer_configs"),
    layers: {},
    has_updates: true,
    time: v2.time,
  };
}

const backend = (overrides: Partial<ConstructorParameters<typeof StatsigBackend>[0]>) =>
  new StatsigBackend({
    serverSecret: "secret-v1",
    logEventUrl: sink.logEventUrl,
    experiments: REALISTIC_EXPERIMENTS,
    store: new MemoryEventStore(),
    ...overrides,
  });

describe("a v1 (statsig-node) payload runs on the current SDK", () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-statsig-v1-"));
  writeFileSync(join(dir, "v1.json"), JSON.stringify(toV1(REALISTIC_SPECS)));
  const fromV1File = backend({ specsFile: "v1.json", baseDir: dir });
  const fromV1Object = backend({ specs: toV1(REALISTIC_SPECS) });
  const fromV2 = backend({ specs: REALISTIC_SPECS });
  beforeAll(() => Promise.all([fromV1File.init(), fromV1Object.init(), fromV2.init()]));
  afterAll(() => Promise.all([fromV1File.close(), fromV1Object.close(), fromV2.close()]));

  it("gives every id the answer of the v2 payload (2,000 ids, four experiments)", () => {
    let enrolled = 0;
    for (const [i, id] of mixedIds(2_000).entries()) {
      const ctx = {
        userId: id,
        attributes: { country: i % 2 ? "US" : "FR", plan: "pro", company: `c${i % 50}` },
      };
      for (const e of REALISTIC_EXPERIMENTS) {
        const expected = fromV2.assign(e.id, ctx);
        expect(fromV1File.assign(e.id, ctx)).toEqual(expected);
        expect(fromV1Object.assign(e.id, ctx)).toEqual(expected);
        if (expected.inExperiment) enrolled++;
      }
    }
    expect(enrolled).toBeGreaterThan(4_000);
  });

  it("reads statsig-node's own test payload (the vectors: user 123 -> Control, random -> Test)", async () => {
    const vectors = mkdtempSync(join(tmpdir(), "assay-statsig-vectors-"));
    copyFileSync(
      new URL("../../../fixtures/vectors/statsig-download-config-specs.json", import.meta.url),
      join(vectors, "specs.json"),
    );
    const b = backend({
      specsFile: "specs.json",
      baseDir: vectors,
      experiments: [
        {
          id: "sample_experiment",
          variants: [
            { id: "Control", weight: 1, isControl: true },
            { id: "Test", weight: 1, isControl: false },
          ],
          unit: "user",
          traffic: 1,
          enabled: true,
        },
      ],
    });
    await b.init();
    expect(b.assign("sample_experiment", { userId: "123", attributes: {} }).variantId).toBe("Control");
    expect(b.assign("sample_experiment", { userId: "random", attributes: {} })).toMatchObject({
      variantId: "Test",
      inExperiment: true,
    });
    await b.close();
  });

  it("refuses specs without dynamic_configs, and names the spec of a v1 list that has no name", async () => {
    const bad = { ...toV1(REALISTIC_SPECS), dynamic_configs: [{ salt: "x", rules: [] }] };
    const error = await backend({ specs: {} })
      .init()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain("have no dynamic_configs");
    const dirBad = mkdtempSync(join(tmpdir(), "assay-statsig-v1-bad-"));
    writeFileSync(join(dirBad, "bad.json"), JSON.stringify(bad));
    const named = await backend({ specsFile: "bad.json", baseDir: dirBad })
      .init()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(named).toBeInstanceOf(BackendError);
    expect((named as Error).message).toContain("dynamic_configs[0] has no name");
  });
});
