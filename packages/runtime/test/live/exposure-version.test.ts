import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExperimentContext, type ExposureRecord, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay, manifestVersionOf } from "../../src/index.js";
import { appDir } from "../helpers.js";

/** A backend that hands every exposure record it receives to `globalThis.__exposureRecords`. */
const CAPTURING_BACKEND = `
export default {
  kind: "assay-plugin",
  provides: ["experiments"],
  createExperimentPlugin({ name, experiments }) {
    const records = (globalThis.__exposureRecords ??= []);
    const ids = new Set(experiments.map((e) => e.id));
    return {
      name,
      assign(experiment) {
        if (!ids.has(experiment)) throw Object.assign(new Error("not found"), { code: "EXPERIMENT_NOT_FOUND", status: 404 });
        return Object.freeze({ experiment, variantId: "treatment", isControl: false, inExperiment: true, reason: "hash" });
      },
      async recordExposure(e) { records.push(e); },
      async recordOutcome() {},
    };
  },
};
`;

const manifest = (version: number) => `[[plugins]]
name = "capturing"
source = "./capturing.mjs"

[[plugins.experiments]]
id = "pricing"
version = ${version}
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]

[[plugins.experiments]]
id = "plain"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
`;

describe("exposures name the manifest version they were assigned under", () => {
  it("carries the content hash and the phase; a snapshot taken before a reload keeps its own", async () => {
    const records: ExposureRecord[] = [];
    (globalThis as { __exposureRecords?: ExposureRecord[] }).__exposureRecords = records;
    const dir = await appDir({ "assay.toml": manifest(2), "capturing.mjs": CAPTURING_BACKEND });
    const path = join(dir, "assay.toml");
    const assay = await createAssay({ manifest: path, store: new MemoryEventStore(), handleSignals: false });
    const ctx = ExperimentContext.forUser("alice");
    const before = assay.snapshot();
    await assay.expose(assay.assign("pricing", ctx), ctx);
    await assay.expose(assay.assign("plain", ctx), ctx);
    expect(records).toMatchObject([
      { experiment: "pricing", manifestVersion: manifestVersionOf(manifest(2)), phase: 2 },
      { experiment: "plain", manifestVersion: manifestVersionOf(manifest(2)), phase: 1 },
    ]);

    await writeFile(path, manifest(3));
    expect(await assay.reload()).toMatchObject({ status: "swapped" });
    await before.expose(before.assign("pricing", ctx), ctx);
    await assay.expose(assay.assign("pricing", ctx), ctx);
    expect(records.slice(2)).toMatchObject([
      { experiment: "pricing", manifestVersion: manifestVersionOf(manifest(2)), phase: 2 },
      { experiment: "pricing", manifestVersion: assay.manifestVersion, phase: 3 },
    ]);
    expect(assay.manifestVersion).toBe(manifestVersionOf(manifest(3)));
    await assay.close();
  });
});
