import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { EventStore, ExperimentSummary, StoredEvent } from "@assay/core";
import { createAssay, manifestVersionOf } from "@assay/runtime";
import autocannon from "autocannon";
import Fastify from "fastify";
import { expect, it } from "vitest";
import { assayPlugin } from "../src/index.js";
import { manifestDir } from "./manifest-dir.js";

const EXPERIMENTS = Array.from({ length: 20 }, (_, i) => `exp_${i}`);

/** Edit `k`: every experiment's variants carry the value `v<k>`, and the weights move with k. */
function manifest(k: number): string {
  const treatment = 10 + (k % 9) * 10;
  return `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
${EXPERIMENTS.map(
  (id) => `
[[plugins.experiments]]
id = "${id}"
variants = [
  { id = "control", weight = ${100 - treatment}, is_control = true, value = "v${k}" },
  { id = "treatment", weight = ${treatment}, value = "v${k}" },
]`,
).join("\n")}
`;
}

/** A store that keeps, per unit, the manifest versions its exposures named (the test's only question). */
class VersionsByUnit implements EventStore {
  readonly name = "versions-by-unit";
  readonly versions = new Map<string, Set<string | undefined>>();
  exposures = 0;
  async append(batch: readonly StoredEvent[]) {
    for (const e of batch) {
      if (e.type !== "exposure") continue;
      this.exposures++;
      const seen = this.versions.get(e.userId ?? "") ?? new Set();
      seen.add(e.manifestVersion);
      this.versions.set(e.userId ?? "", seen);
    }
    return { inserted: batch.length, duplicates: 0 };
  }
  async summarize(): Promise<ExperimentSummary> {
    throw new Error("not used");
  }
}

function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it("serves a manifest edited 100 times under load: no failed request, one version per request, every exposure names it, memory flat", {
  timeout: 180_000,
}, async () => {
  const dir = await manifestDir(manifest(0));
  const path = join(dir, "assay.toml");
  const store = new VersionsByUnit();
  const reloads: Record<string, number> = {};
  const assay = await createAssay({
    manifest: path,
    store,
    handleSignals: false,
    watch: {
      debounceMs: 20,
      retireAfterMs: 500,
      sighup: false,
      onReload: (result) => {
        reloads[result.status] = (reloads[result.status] ?? 0) + 1;
      },
    },
    onError: () => {}, // the broken edits, counted through onReload
  });
  const app = Fastify();
  app.register(assayPlugin, { assay, unit: [{ from: "header", name: "x-user-id" }], bots: false });
  app.get("/page", async (request) => {
    const values = EXPERIMENTS.map((id) => {
      const variant = request.assay.assign(id);
      request.assay.expose(variant);
      return variant.value;
    });
    return { user: request.assay.unitId, values };
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });

  const versionOf = new Map<string, string>([["v0", manifestVersionOf(manifest(0))]]);
  let edits = 0;
  /** 100 edits, one every 60 ms; every tenth is broken TOML and must leave the previous one serving. */
  const editLoop = async (from: number) => {
    for (let k = from; k < from + 100; k++) {
      if (k % 10 === 5) await writeFile(path, `${manifest(k)}\n[[plugins.experiments]\nid = "broken"`);
      else {
        versionOf.set(`v${k}`, manifestVersionOf(manifest(k)));
        await writeFile(path, manifest(k));
      }
      edits++;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
  };
  const responses: Array<{ user: string; values: string[] }> = [];
  let unit = 0;
  const load = () =>
    autocannon({
      url: `${url}/page`,
      connections: 8,
      duration: 8,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, "x-user-id": `u${unit++}` },
          }),
          onResponse: (_status, body) => {
            responses.push(JSON.parse(body) as { user: string; values: string[] });
          },
        },
      ],
    });

  const check = async (round: string) => {
    await assay.flush();
    expect(responses.length, round).toBeGreaterThan(500);
    for (const { user, values } of responses) {
      // one version from start to end of the request
      expect(new Set(values).size, `${round} ${user}: ${values.join(",")}`).toBe(1);
      // and every exposure it recorded names that version
      const named = store.versions.get(user);
      expect(named === undefined ? undefined : [...named], user).toEqual([versionOf.get(values[0]!)]);
    }
    // the responses autocannon read, and the few it stopped reading at the end of each round (8 connections)
    expect(store.exposures).toBeGreaterThanOrEqual(responses.length * EXPERIMENTS.length);
    expect(store.exposures).toBeLessThanOrEqual((responses.length + 16) * EXPERIMENTS.length);
  };

  const before = heapAfterGc();
  const [first] = await Promise.all([load(), editLoop(1)]);
  expect(first.errors + first.timeouts + first.non2xx).toBe(0);
  await check("first 100 edits");
  const served = new Set(responses.map((r) => r.values[0]));
  expect(served.size).toBeGreaterThan(50); // the edits were served while the load ran
  expect([...served].some((v) => Number(v!.slice(1)) % 10 === 5)).toBe(false); // no broken one was
  responses.length = 0;
  store.versions.clear();
  store.exposures = 0;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // past retireAfterMs
  const middle = heapAfterGc();
  const [second] = await Promise.all([load(), editLoop(101)]);
  expect(second.errors + second.timeouts + second.non2xx).toBe(0);
  await check("next 100 edits");
  responses.length = 0;
  store.versions.clear();
  store.exposures = 0;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = heapAfterGc();
  expect(edits).toBe(200);
  expect(reloads.swapped).toBeGreaterThan(150);
  expect(reloads.rejected).toBeGreaterThanOrEqual(15);
  console.info(
    `live reload under load: ${first.requests.total + second.requests.total} requests, reloads ${JSON.stringify(reloads)}, heap after GC ${(before / 1e6).toFixed(1)} → ${(middle / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`,
  );
  // 100 more reloads under load leave no more than a few MB behind (retired versions are freed)
  expect((after - middle) / 1e6, `heap ${before / 1e6} → ${middle / 1e6} → ${after / 1e6} MB`).toBeLessThan(
    8,
  );
  await app.close();
  await assay.close();
});
