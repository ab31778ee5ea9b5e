import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { afterEach, describe, expect, it } from "vitest";
import { createAssay } from "../../src/index.js";
import { eventually, versionedManifest } from "./manifests.js";

/** A loopback server of one manifest text, with an ETag, answering If-None-Match with 304. */
async function manifestServer(initial: string) {
  const state = { text: initial, status: 200, ok: 0, notModified: 0, withEtag: 0 };
  const server: Server = createServer((request, response) => {
    const etag = `"${createHash("sha256").update(state.text).digest("hex").slice(0, 20)}"`;
    if (request.headers["if-none-match"] !== undefined) state.withEtag++;
    if (state.status !== 200) {
      response.writeHead(state.status).end("down");
      return;
    }
    if (request.headers["if-none-match"] === etag) {
      state.notModified++;
      response.writeHead(304, { etag }).end();
      return;
    }
    state.ok++;
    response.writeHead(200, { etag, "content-type": "application/toml" }).end(state.text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/assay.toml`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ctx = ExperimentContext.forUser("alice");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("polling a manifest URL", () => {
  it("polls with the ETag (304 while unchanged), swaps a change in, and the kill switch takes effect", async () => {
    const server = await manifestServer(versionedManifest(1));
    cleanups.push(server.close);
    const assay = await createAssay({
      manifest: server.url,
      store: new MemoryEventStore(),
      handleSignals: false,
      watch: { pollIntervalMs: 25 },
    });
    cleanups.push(() => assay.close());
    expect(assay.assign("a", ctx).value).toBe(1);
    await eventually(() => server.state.notModified >= 3);
    expect(server.state.ok).toBe(1); // the first read; every poll since was a 304
    expect(assay.version).toBe(1);

    server.state.text = versionedManifest(2);
    await eventually(() => assay.version === 2);
    expect(assay.assign("a", ctx).value).toBe(2);

    server.state.text = versionedManifest(3).replace('id = "a"', 'id = "a"\nenabled = false');
    await eventually(() => assay.assign("a", ctx).reason === "disabled");
    expect(assay.assign("a", ctx)).toMatchObject({ inExperiment: false, variantId: "control" });
    expect(assay.manifestStatus()).toMatchObject({ source: server.url, version: 3, watching: true });
  });

  it("keeps serving through a server error and a broken manifest, reporting both", async () => {
    const server = await manifestServer(versionedManifest(1));
    cleanups.push(server.close);
    const errors: string[] = [];
    const assay = await createAssay({
      manifest: server.url,
      store: new MemoryEventStore(),
      handleSignals: false,
      onError: (error) => errors.push((error as Error).message),
    });
    cleanups.push(() => assay.close());
    server.state.status = 503;
    const down = await assay.reload();
    expect(down).toMatchObject({ status: "rejected" });
    expect(down.status === "rejected" && down.errors[0]).toMatch(
      /cannot read the manifest: GET answered 503/,
    );
    server.state.status = 200;
    server.state.text = versionedManifest(2).replace("weight = 100,", "weight = -1,");
    const broken = await assay.reload();
    expect(broken.status === "rejected" && broken.errors).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${server.url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:8:\\d+: plugins\\[0\\]\\.experiments\\[0\\]\\.variants\\[0\\]\\.weight`,
        ),
      ),
    );
    expect(errors).toHaveLength(2);
    expect(assay.assign("a", ctx).value).toBe(1);
    server.state.text = versionedManifest(4);
    expect(await assay.reload()).toMatchObject({ status: "swapped", version: 2 });
  });
});
