import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay, manifestVersionOf } from "../../src/index.js";
import { appDir } from "../helpers.js";

const manifest = (version: number) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
version = ${version}
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]
`;

describe("records name their environment and phase; summaries read the current ones", () => {
  it("stamps exposures and outcomes, and an outcome after a new phase counts in the new phase only", async () => {
    const dir = await appDir({ "assay.toml": manifest(2) });
    const path = join(dir, "assay.toml");
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: path, env: "staging", store, handleSignals: false });
    expect(assay.environment).toBe("staging");
    const users = Array.from({ length: 40 }, (_, i) => ExperimentContext.forUser(`user-${i}`));
    for (const ctx of users) {
      await assay.expose(assay.assign("pricing", ctx), ctx);
      await assay.track("pricing", "bought", true, ctx);
    }
    await assay.flush();
    const phase2 = manifestVersionOf(manifest(2));
    for (const event of store.all()) {
      expect(event).toMatchObject({ environment: "staging", phase: 2 });
      if (event.type === "exposure") expect(event.manifestVersion).toBe(phase2);
    }
    const first = await assay.summarize("pricing");
    expect(first.scope).toEqual({
      environment: "staging",
      phase: 2,
      phases: [2],
      manifestVersions: [phase2],
    });
    expect(first.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(40);

    // a new phase re-randomizes: later outcomes of the old units belong to it, not to phase 2
    await writeFile(path, manifest(3));
    expect(await assay.reload()).toMatchObject({ status: "swapped" });
    for (const ctx of users.slice(0, 10)) {
      await assay.expose(assay.assign("pricing", ctx), ctx);
      await assay.track("pricing", "revenue", 5, ctx);
    }
    await assay.flush();
    const current = await assay.summarize("pricing");
    expect(current.scope).toMatchObject({ environment: "staging", phase: 3, phases: [2, 3] });
    expect(current.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(10);
    expect(current.metrics.map((m) => m.metric)).toEqual(["revenue"]);
    const old = await assay.summarize("pricing", { phase: 2 });
    expect(old.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(40);
    expect(old.metrics.map((m) => m.metric)).toEqual(["bought"]);
    // another environment sees none of it
    expect((await assay.summarize("pricing", { environment: "production" })).variants).toEqual([]);
    await assay.close();
  });

  it('records under the manifest\'s environment key, else "default"', async () => {
    const dir = await appDir({ "assay.toml": `environment = "production"\n${manifest(1)}` });
    const store = new MemoryEventStore();
    const previous = process.env.ASSAY_ENV;
    delete process.env.ASSAY_ENV;
    try {
      const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
      expect(assay.environment).toBe("production");
      await assay.close();
      const plain = await appDir({ "assay.toml": manifest(1) });
      const other = await createAssay({ manifest: join(plain, "assay.toml"), store, handleSignals: false });
      const ctx = ExperimentContext.forUser("bob");
      await other.expose(other.assign("pricing", ctx), ctx);
      await other.flush();
      expect(store.all().at(-1)).toMatchObject({ phase: 1, environment: "default" });
      await other.close();
    } finally {
      if (previous !== undefined) process.env.ASSAY_ENV = previous;
    }
  });
});
