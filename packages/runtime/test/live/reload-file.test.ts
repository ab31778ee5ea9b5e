import { readdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isManifestError } from "@assay/config";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay } from "../../src/index.js";
import { appDir } from "../helpers.js";
import { eventually, versionedManifest } from "./manifests.js";

const ctx = (id: string) => ExperimentContext.forUser(id);
const servedVersion = (v: { value?: unknown }) => v.value as number;

describe("watching the manifest file", () => {
  it("reloads on change: 100 edits under concurrent assigns, no failure, no snapshot mixing versions", async () => {
    const dir = await appDir({ "assay.toml": versionedManifest(1) });
    const path = join(dir, "assay.toml");
    const errors: unknown[] = [];
    const assay = await createAssay({
      manifest: path,
      store: new MemoryEventStore(),
      handleSignals: false,
      watch: { debounceMs: 5, retireAfterMs: 50 },
      onError: (error) => errors.push(error),
    });
    expect(assay.version).toBe(1);
    let stop = false;
    let requests = 0;
    let spanningSwaps = 0;
    let lastSeen = 1;
    const failures: unknown[] = [];
    // "Requests": each takes a snapshot, assigns, yields to the event loop (a reload may swap meanwhile),
    // assigns again; every answer within one snapshot must come from its one version.
    const request = async (i: number) => {
      const snapshot = assay.snapshot();
      const first = ["a", "b", "c"].map((e) => servedVersion(snapshot.assign(e, ctx(`u${i}`))));
      await new Promise((resolve) => setImmediate(resolve));
      const again = ["c", "a"].map((e) => servedVersion(snapshot.assign(e, ctx(`v${i}`))));
      await snapshot.expose(snapshot.assign("a", ctx(`u${i}`)), ctx(`u${i}`));
      const seen = new Set([...first, ...again]);
      if (seen.size !== 1 || !seen.has(snapshot.version))
        failures.push({ seen: [...seen], v: snapshot.version });
      if (snapshot.version !== assay.version) spanningSwaps++;
      // the client's own assign: one version per call, never older than one seen before
      const plain = servedVersion(assay.assign("b", ctx(`w${i}`)));
      if (plain < lastSeen) failures.push({ plain, lastSeen });
      lastSeen = plain;
      requests++;
    };
    const load = (async () => {
      let i = 0;
      while (!stop) await Promise.all(Array.from({ length: 20 }, () => request(i++)));
    })();
    for (let n = 2; n <= 101; n++) {
      // write a copy and rename it over, as deploy tools and editors do; odd edits write in place
      if (n % 2 === 0) {
        await writeFile(`${path}.tmp`, versionedManifest(n));
        await rename(`${path}.tmp`, path);
      } else {
        await writeFile(path, versionedManifest(n));
      }
      await eventually(() => servedVersion(assay.assign("a", ctx("probe"))) === n);
    }
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
    expect(assay.version).toBe(101);
    expect(assay.manifestStatus()).toMatchObject({ source: path, watching: true, version: assay.version });
    expect(assay.manifestStatus()!.rejected).toBeUndefined();
    expect(requests).toBeGreaterThan(100);
    expect(spanningSwaps, "some requests spanned a swap").toBeGreaterThan(0);
    await assay.close();
  });

  it("refuses each broken manifest of the config fixtures, with its file:line:col errors, and keeps serving", async () => {
    const fixtures = new URL("../../../config/test/fixtures/invalid/", import.meta.url);
    const names = readdirSync(fixtures).filter((n) => n.endsWith(".toml"));
    expect(names.length).toBeGreaterThanOrEqual(30);
    const dir = await appDir({ "assay.toml": versionedManifest(7) });
    const path = join(dir, "assay.toml");
    const reported: [string, unknown][] = [];
    const assay = await createAssay({
      manifest: path,
      store: new MemoryEventStore(),
      handleSignals: false,
      onError: (error, where) => reported.push([where, error]),
    });
    const serving = assay.manifestVersion;
    for (const name of names) {
      const text = readFileSync(new URL(name, fixtures), "utf8");
      await writeFile(path, text);
      const result = await assay.reload();
      expect(result.status, name).toBe("rejected");
      if (result.status !== "rejected") continue;
      for (const [, line, column, key] of text.matchAll(/^# expect (\d+):(\d+) (\S*):/gm)) {
        expect(result.errors, `${name} ${line}:${column}`).toContainEqual(
          expect.stringContaining(`${path}:${line}:${column}: ${key}`),
        );
      }
      expect(assay.manifestStatus()!.rejected).toMatchObject({ manifestVersion: result.manifestVersion });
      expect(servedVersion(assay.assign("a", ctx("still")))).toBe(7);
      expect(assay.manifestVersion).toBe(serving);
    }
    expect(reported).toHaveLength(names.length);
    expect(reported.every(([where, error]) => where === "(manifest)" && isManifestError(error))).toBe(true);
    // a valid edit afterwards is taken, and clears the refusal
    await writeFile(path, versionedManifest(8));
    expect(await assay.reload()).toMatchObject({ status: "swapped", version: 2 });
    expect(servedVersion(assay.assign("a", ctx("still")))).toBe(8);
    expect(assay.manifestStatus()!.rejected).toBeUndefined();
    await assay.close();
  });

  it("refuses a manifest whose plugin does not load, or that changes the event store, and keeps the old", async () => {
    const dir = await appDir({ "assay.toml": versionedManifest(1) });
    const path = join(dir, "assay.toml");
    const assay = await createAssay({ manifest: path, handleSignals: false, onError: () => {} });
    await writeFile(
      path,
      versionedManifest(2).replace('source = "@assay/experiment-hash"', 'source = "./no-such-plugin.js"'),
    );
    const missing = await assay.reload();
    expect(missing).toMatchObject({ status: "rejected" });
    expect(missing.status === "rejected" && missing.errors[0]).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:10: plugins\\[0\\]\\.source: `),
    );
    await writeFile(
      path,
      `${versionedManifest(3)}\n[[plugins]]\nname = "events"\nsource = "@assay/store-sqlite"\noptions = { path = "other.db" }\n`,
    );
    const otherStore = await assay.reload();
    expect(otherStore.status === "rejected" && otherStore.errors.join("\n")).toMatch(
      /the event store changed: a running client keeps the store it opened; restart to use another/,
    );
    expect(servedVersion(assay.assign("a", ctx("x")))).toBe(1);
    expect(assay.version).toBe(1);
    await assay.close();
  });

  it("reloads on SIGHUP, and an unchanged file is not swapped", async () => {
    const dir = await appDir({ "assay.toml": versionedManifest(1) });
    const path = join(dir, "assay.toml");
    const assay = await createAssay({
      manifest: path,
      store: new MemoryEventStore(),
      handleSignals: false,
      watch: { debounceMs: 60_000 }, // file events would come too late: only SIGHUP can reload in time
    });
    expect(await assay.reload()).toMatchObject({
      status: "unchanged",
      manifestVersion: assay.manifestVersion,
    });
    await writeFile(path, versionedManifest(2));
    process.emit("SIGHUP");
    await eventually(() => assay.version === 2);
    expect(servedVersion(assay.assign("a", ctx("x")))).toBe(2);
    await assay.close();
    expect(process.listeners("SIGHUP")).toHaveLength(0);
  });

  it("keeps sticky units where they are across a reload that changes the weights", async () => {
    const sticky = (weight: number) =>
      versionedManifest(1)
        .replace('id = "a"', 'id = "a"\nsticky = true')
        .replace("weight = 1,", `weight = ${weight},`);
    const dir = await appDir({ "assay.toml": sticky(1) });
    const path = join(dir, "assay.toml");
    const assay = await createAssay({ manifest: path, store: new MemoryEventStore(), handleSignals: false });
    const ids = Array.from({ length: 2_000 }, (_, i) => `s${i}`);
    const before = ids.map((id) => assay.assign("a", ctx(id)).variantId);
    expect(before.filter((v) => v === "treatment").length).toBeLessThan(100);
    await writeFile(path, sticky(10_000));
    expect(await assay.reload()).toMatchObject({ status: "swapped" });
    expect(ids.map((id) => assay.assign("a", ctx(id)).variantId)).toEqual(before);
    expect(assay.assign("a", ctx("newcomer-1")).reason).toBe("hash");
    await assay.close();
  });

  it("cannot watch a parsed manifest, and reload says why", async () => {
    const dir = await appDir({ "assay.toml": versionedManifest(1) });
    const { loadManifest } = await import("@assay/config");
    const manifest = await loadManifest(join(dir, "assay.toml"));
    await expect(createAssay({ manifest, watch: true })).rejects.toThrow(
      /watch needs the manifest's path or URL/,
    );
    const assay = await createAssay({ manifest, store: new MemoryEventStore(), handleSignals: false });
    await expect(assay.reload()).rejects.toThrow(/made from a parsed manifest/);
    expect(assay.manifestStatus()).toBeUndefined();
    expect(assay.manifestVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
    await assay.close();
  });
});
