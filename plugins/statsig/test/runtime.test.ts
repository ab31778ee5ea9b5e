import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { REALISTIC_SPECS } from "./realistic.js";
import { closeOffline, exposuresOf, startSink } from "./statsig-sink.js";

const sink = await startSink();
afterAll(() => closeOffline(sink));

/**
 * The adapter as an application meets it: a manifest naming it, `createAssay`, and the client's assign /
 * expose / track, so the runtime (targeting, pipeline, store) sits between the app and the adapter.
 */
describe("through @assay/runtime", () => {
  it("a targeted experiment: Statsig gets its own exposure for every enrolled unit, the store the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-statsig-runtime-"));
    writeFileSync(join(dir, "statsig.json"), JSON.stringify(REALISTIC_SPECS));
    const source = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    writeFileSync(
      join(dir, "assay.toml"),
      `[[plugins]]
name = "statsig"
source = ${JSON.stringify(source)}
options = { server_secret = "secret-runtime", specs_file = "./statsig.json", log_event_url = ${JSON.stringify(sink.logEventUrl)}, flush_interval = 3600 }

[[plugins.experiments]]
id = "targeted_banner"
variants = [{ id = "Control", weight = 70, is_control = true }, { id = "Banner", weight = 30 }]
`,
    );
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    const enrolled: string[] = [];
    for (let i = 0; i < 300; i++) {
      const ctx = { userId: `rt-${i}-ü`, attributes: { country: i % 3 === 0 ? "FR" : "US", plan: "pro" } };
      const variant = assay.assign("targeted_banner", ctx);
      expect(variant.inExperiment).toBe(i % 3 !== 0); // the gate on country decides, in Statsig
      await assay.expose(variant, ctx);
      if (variant.inExperiment) {
        enrolled.push(ctx.userId);
        await assay.track("targeted_banner", "purchase", 12.5, ctx);
      }
    }
    const summary = await assay.summarize("targeted_banner");
    await assay.close();
    expect(exposuresOf(sink, "targeted_banner").map((e) => e.user.userID)).toEqual(enrolled);
    expect(sink.events.filter((e) => e.eventName === "purchase").map((e) => e.user.userID)).toEqual(enrolled);
    expect(summary.variants.reduce((a, v) => a + v.exposedUnits, 0)).toBe(enrolled.length);
    expect(enrolled).toHaveLength(200);
  });
});
