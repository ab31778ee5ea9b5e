import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import type { LogEvent } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPERIMENT_IDS, REALISTIC_DATAFILE } from "./realistic.js";

// a loopback stand-in for Optimizely's event API (the manifest's event_url)
const batches: LogEvent["params"][] = [];
const api = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    batches.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.statusCode = 204;
    res.end();
  });
});
let eventUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  eventUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/events`;
});
afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

/**
 * The adapter as an application meets it: a manifest naming it, `createAssay`, and the client's assign /
 * expose / track, so the runtime (pipeline, store) sits between the app and the adapter.
 */
describe("through @assay/runtime", () => {
  it("an audience-targeted experiment: one impression per enrolled unit's expose, conversions, the store the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-optimizely-runtime-"));
    writeFileSync(join(dir, "datafile.json"), JSON.stringify(REALISTIC_DATAFILE));
    const source = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    writeFileSync(
      join(dir, "assay.toml"),
      `[[plugins]]
name = "optimizely"
source = ${JSON.stringify(source)}
options = { datafile_file = "./datafile.json", event_url = ${JSON.stringify(eventUrl)}, batch_size = 50 }

[[plugins.experiments]]
id = "targeted_banner"
variants = [{ id = "control", weight = 70, is_control = true }, { id = "banner", weight = 30 }]
`,
    );
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    const enrolled: string[] = [];
    for (let i = 0; i < 300; i++) {
      const ctx = { userId: `rt-${i}-ü`, attributes: { country: i % 3 === 0 ? "FR" : "US", plan: "pro" } };
      const variant = assay.assign("targeted_banner", ctx);
      expect(variant.inExperiment).toBe(i % 3 !== 0); // the audience on country decides, in Optimizely
      await assay.expose(variant, ctx);
      if (variant.inExperiment) {
        enrolled.push(ctx.userId);
        await assay.track("targeted_banner", "purchase", 12.5, ctx);
      }
    }
    const summary = await assay.summarize("targeted_banner");
    await assay.close();
    const events = batches.flatMap((b) =>
      b.visitors.flatMap((v) =>
        v.snapshots.flatMap((s) => s.events.map((e) => ({ visitor: v.visitor_id, e, s }))),
      ),
    );
    const impressions = events.filter(
      ({ e, s }) =>
        e.key === "campaign_activated" && s.decisions?.[0]?.experiment_id === EXPERIMENT_IDS.targeted_banner,
    );
    expect(impressions.map((x) => x.visitor)).toEqual(enrolled);
    const conversions = events.filter(({ e }) => e.key === "purchase");
    expect(conversions.map((x) => x.visitor)).toEqual(enrolled);
    expect(conversions.every(({ e }) => e.tags?.value === 12.5)).toBe(true);
    expect(summary.variants.reduce((a, v) => a + v.exposedUnits, 0)).toBe(enrolled.length);
    expect(enrolled).toHaveLength(200);
  });
});
