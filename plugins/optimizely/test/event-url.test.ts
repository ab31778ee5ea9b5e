import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import type { LogEvent } from "@optimizely/optimizely-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import plugin from "../src/index.js";
import { EXPERIMENT_IDS, REALISTIC_DATAFILE, REALISTIC_EXPERIMENTS } from "./realistic.js";

// a loopback stand-in for Optimizely's event API: what the SDK's own HTTP dispatcher posts
const posted: { url: string; body: LogEvent["params"] }[] = [];
const api = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    posted.push({ url: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
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

describe("event_url: the SDK's own dispatcher, posting to another endpoint", () => {
  it("sends the impressions of 50 exposes over HTTP there, from a manifest's options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-optimizely-events-"));
    writeFileSync(join(dir, "datafile.json"), JSON.stringify(REALISTIC_DATAFILE));
    const backend = plugin.createExperimentPlugin!({
      name: "optimizely",
      options: { datafile_file: "datafile.json", event_url: eventUrl, batch_size: 20 },
      manifestDir: dir,
      experiments: REALISTIC_EXPERIMENTS,
      store: new MemoryEventStore(),
    });
    await backend.init?.();
    const users = Array.from({ length: 50 }, (_, i) => `http-${i}`);
    for (const userId of users) {
      const variant = backend.assign("company_dashboard", { userId, attributes: { company: `c-${userId}` } });
      await backend.recordExposure({
        experiment: "company_dashboard",
        variantId: variant.variantId,
        userId,
        timestamp: new Date(),
      });
    }
    await backend.close?.();
    expect(posted.every((p) => p.url === "/v1/events")).toBe(true);
    const visitors = posted.flatMap((p) => p.body.visitors);
    const impressions = visitors.filter((v) =>
      v.snapshots.some((s) => s.decisions?.some((d) => d.experiment_id === EXPERIMENT_IDS.company_dashboard)),
    );
    expect(impressions.map((v) => v.visitor_id)).toEqual(users);
    expect(posted.length).toBeGreaterThanOrEqual(3); // batches of 20
  });
});
