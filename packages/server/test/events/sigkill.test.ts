import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteEventStore } from "@assay/store-sqlite";
import { describe, expect, it } from "vitest";
import { manifestDir } from "../support/ingest-server.js";

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, "../support/serve-child.mjs");
const DIST = join(here, "../../dist/index.js");

/** Starts the server process and resolves with its URL once it listens. */
function startServer(manifest: string): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(DIST)) {
    throw new Error("the fault test runs the built server: build it first (npx tsc -p tsconfig.build.json)");
  }
  const child = spawn(process.execPath, [CHILD, manifest], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => {
      err += d;
    });
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!.replace(/\/$/, "") });
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code} before listening: ${err}`)));
  });
}

/**
 * Writers post batches of 200 exposures with their own eventIds (every fourth batch is a resend of the one
 * before, as a client retrying would) until the server goes away; returns every eventId answered 202.
 */
async function ingestUntilGone(url: string, writers: number, stop: { gone: boolean }): Promise<Set<string>> {
  const acked = new Set<string>();
  const writer = async (w: number) => {
    let previous: Array<Record<string, unknown>> = [];
    for (let b = 0; !stop.gone; b++) {
      const batch =
        b % 4 === 3
          ? previous
          : Array.from({ length: 200 }, (_, i) => ({
              experiment: "checkout",
              variantId: i % 2 ? "control" : "treatment",
              userId: `w${w}-b${b}-u${i}`,
              eventId: `w${w}-b${b}-${i}`,
            }));
      previous = batch;
      try {
        const res = await fetch(`${url}/v1/exposures`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch),
        });
        if (res.status === 202) for (const e of batch) acked.add(e.eventId as string);
        else await res.text();
      } catch {
        return; // the server is gone: this batch was not acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return acked;
}

/** Every eventId the store holds for the experiment, by the ordered scan. */
async function storedIds(path: string): Promise<string[]> {
  const store = new SqliteEventStore({ path });
  await store.init();
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.scanEvents({
      experiment: "checkout",
      limit: 50_000,
      ...(after ? { after } : {}),
    });
    ids.push(...page.events.map((e) => e.eventId));
    after = page.cursor;
    if (page.events.length < 50_000) break;
  }
  const summary = await store.summarize({ experiment: "checkout" });
  expect(summary.variants.reduce((n, v) => n + v.exposures, 0)).toBe(ids.length);
  await store.close();
  return ids;
}

describe("the server process killed during ingest", () => {
  it("SIGKILL: every batch answered 202 is stored, none twice", async () => {
    const { dir, manifest } = manifestDir();
    const { child, url } = await startServer(manifest);
    const stop = { gone: false };
    const exited = new Promise((r) => child.once("exit", r));
    const ingest = ingestUntilGone(url, 8, stop);
    await new Promise((r) => setTimeout(r, 1_500));
    child.kill("SIGKILL");
    await exited;
    stop.gone = true;
    const acked = await ingest;
    expect(acked.size).toBeGreaterThan(1_000); // the kill landed mid-ingest, not before it
    const ids = await storedIds(join(dir, ".assay", "events.db"));
    expect(new Set(ids).size).toBe(ids.length);
    const stored = new Set(ids);
    const lost = [...acked].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
  });

  it("SIGTERM: in-flight batches are answered, the pipeline drained, the process exits 0", async () => {
    const { dir, manifest } = manifestDir();
    const { child, url } = await startServer(manifest);
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    const stop = { gone: false };
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const ingest = ingestUntilGone(url, 8, stop);
    await new Promise((r) => setTimeout(r, 1_000));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    stop.gone = true;
    const acked = await ingest;
    expect(out).toContain("drained");
    expect(acked.size).toBeGreaterThan(1_000);
    const stored = new Set(await storedIds(join(dir, ".assay", "events.db")));
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
  });
});
