import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/index.js";

const tempPath = async () => join(await mkdtemp(join(tmpdir(), "assay-writer-")), "events.db");

/** `units` units, each exposed then converting 9 times: 10 events per unit. */
function events(units: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let u = 0; u < units; u++) {
    out.push({
      type: "exposure",
      eventId: `x${u}`,
      experiment: "loop",
      variantId: u % 2 ? "a" : "b",
      userId: `u${u}`,
      timestamp: new Date(start + u),
    });
    for (let k = 1; k < 10; k++) {
      out.push({
        type: "outcome",
        eventId: `o${u}-${k}`,
        experiment: "loop",
        metric: "rev",
        value: { kind: "numeric", value: k },
        userId: `u${u}`,
        timestamp: new Date(start + u + k * 3_600_000),
      });
    }
  }
  return out;
}

/** The longest the event loop went without running a 2 ms interval timer while `work` ran, and its duration. */
async function longestStall(work: () => Promise<unknown>): Promise<{ stallMs: number; workMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 2);
  const started = performance.now();
  await work();
  const workMs = performance.now() - started;
  clearInterval(timer);
  stallMs = Math.max(stallMs, performance.now() - last); // a stall the timer had no chance to see
  return { stallMs, workMs };
}

describe("the writer thread", () => {
  it("commits the appends waiting together in one transaction, each with its own counts, a bad one alone", async () => {
    const store = new SqliteEventStore({ path: await tempPath(), rollupStep: 0 });
    const all = events(3000); // 30,000 events
    const busy = store.append(all.slice(0, 20_000)); // keeps the writer busy while the next ones queue
    const bad: StoredEvent = { ...all[20_000]!, eventId: "bad", timestamp: new Date(Number.NaN) };
    const answers = await Promise.allSettled([
      busy,
      store.append(all.slice(20_000, 25_000)),
      store.append([...all.slice(24_000, 25_000), bad]), // repeats of the previous batch, and a bad event
      store.append([...all.slice(25_000), ...all.slice(0, 10)]),
    ]);
    expect(answers.map((a) => (a.status === "fulfilled" ? a.value : "rejected"))).toEqual([
      { inserted: 20_000, duplicates: 0 },
      { inserted: 5000, duplicates: 0 },
      "rejected",
      { inserted: 5000, duplicates: 10 },
    ]);
    expect((answers[2] as PromiseRejectedResult).reason).toMatchObject({
      code: "BACKEND",
      message: expect.stringContaining("NOT NULL"),
    });
    expect(await store.count()).toBe(30_000);
    await store.close();
  });

  it("folds a large backlog without holding the caller's event loop (and the caller's thread mode does)", async () => {
    const batch = events(20_000); // 200,000 events
    const results: Record<string, { stallMs: number; workMs: number }> = {};
    for (const thread of ["worker", "caller"] as const) {
      const store = new SqliteEventStore({
        path: await tempPath(),
        thread,
        rollupStep: 0,
        synchronous: "normal",
      });
      for (let i = 0; i < batch.length; i += 10_000) await store.append(batch.slice(i, i + 10_000));
      results[thread] = await longestStall(() => store.summarize({ experiment: "loop" }));
      const summary = await store.summarize({ experiment: "loop" });
      expect(summary.variants.map((v) => v.exposedUnits)).toEqual([10_000, 10_000]);
      await store.close();
    }
    // Folding 200,000 events takes the better part of a second or more; on the caller's thread the loop is
    // held for all of it, on the writer thread only for the instants it takes to post and receive messages.
    expect(results.caller!.stallMs).toBeGreaterThan(results.caller!.workMs * 0.8);
    expect(results.worker!.workMs).toBeGreaterThan(200);
    expect(results.worker!.stallMs).toBeLessThan(results.worker!.workMs / 4);
  });

  it("does not keep an idle process alive: a script that never closes the store exits after its writes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assay-writer-exit-"));
    const script = join(dir, "script.mjs");
    const store = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;
    await writeFile(
      script,
      `const { SqliteEventStore } = await import(${JSON.stringify(store)});
       const store = new SqliteEventStore({ path: process.argv[2] });
       const e = { type: "exposure", eventId: "e1", experiment: "x", variantId: "a", userId: "u", timestamp: new Date() };
       // not awaited: the outstanding call keeps the process alive until it is committed
       void store.append([e]).then((r) => console.log("inserted", r.inserted));`,
    );
    const path = join(dir, "events.db");
    const child = spawn(process.execPath, [script, path], { stdio: "pipe" });
    let stdout = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("inserted 1");
    const again = new SqliteEventStore({ path });
    expect(await again.count("x")).toBe(1);
    await again.close();
  });

  it("rejects the calls in flight with a BackendError when the thread dies, and starts a new one for the next", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path });
    await store.append(events(10)); // 100 events stored by the first thread
    const internals = store as unknown as { host: { worker?: { terminate(): Promise<number> } } };
    const inFlight = store.append(events(2000)); // 20,000 events: still being written when the thread goes
    await internals.host.worker!.terminate();
    await expect(inFlight).rejects.toMatchObject({
      code: "BACKEND",
      message: expect.stringMatching(/writer thread stopped/),
    });
    // a new thread takes the next call; the batch that was cut off was one transaction: all or nothing
    const retried = await store.append(events(2000));
    expect([0, 19_900]).toContain(retried.inserted);
    expect(await store.count("loop")).toBe(20_000);
    await store.close();
  });

  it("refuses every call once closed, without starting a new thread", async () => {
    const store = new SqliteEventStore({ path: await tempPath() });
    await store.append(events(1));
    await store.close();
    await store.close(); // idempotent
    for (const call of [
      () => store.append(events(1)),
      () => store.summarize({ experiment: "loop" }),
      () => store.count(),
      () => store.loadStickyAssignments({ experiments: [{ experiment: "loop", version: 1 }] }),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: "BACKEND",
        message: expect.stringMatching(/is closed/),
      });
    }
  });

  it("passes any string through intact (separators, NUL, astral characters) and absent ids as absent", async () => {
    const store = new SqliteEventStore({ path: await tempPath() });
    const odd = ["a\nb", "\u0000", "é😀", "", "x".repeat(5000)];
    const batch: StoredEvent[] = odd.map((s, i) => ({
      type: "exposure",
      eventId: `id-${i}-${s}`,
      experiment: "odd",
      variantId: `v${s}`,
      ...(i % 2 === 0 ? { userId: `u${s}` } : { sessionId: `s${s}` }),
      timestamp: new Date(1_767_225_600_000 + i),
    }));
    expect(await store.append(batch)).toEqual({ inserted: 5, duplicates: 0 });
    expect(await store.append(batch)).toEqual({ inserted: 0, duplicates: 5 });
    const summary = await store.summarize({ experiment: "odd" });
    expect(summary.variants.map((v) => v.variantId).sort()).toEqual(odd.map((s) => `v${s}`).sort());
    expect(summary.variants.every((v) => v.exposedUnits === 1)).toBe(true);
    await store.close();
  });
});

describe("background folding", () => {
  const waitFor = async (check: () => Promise<boolean>, ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };

  for (const thread of ["worker", "caller"] as const) {
    it(`folds a burst once the writer is idle, without a summary (${thread})`, async () => {
      const store = new SqliteEventStore({ path: await tempPath(), thread, rollupStep: 5000 });
      const batch = events(3000); // 30,000 events
      for (let i = 0; i < batch.length; i += 1000) await store.append(batch.slice(i, i + 1000));
      expect(await waitFor(async () => (await store.foldBacklog()) === 0, 20_000)).toBe(true);
      const summary = await store.summarize({ experiment: "loop" });
      expect(summary.variants.map((v) => v.exposedUnits)).toEqual([1500, 1500]);
      await store.close();
    });
  }

  it("under a steady stream, folds before answering once ten steps' worth are waiting: the backlog stays bounded", async () => {
    const store = new SqliteEventStore({ path: await tempPath(), rollupStep: 500, synchronous: "normal" });
    const batch = events(4000); // 40,000 events, appended back to back: the writer is never idle
    let most = 0;
    for (let i = 0; i < batch.length; i += 500) {
      await store.append(batch.slice(i, i + 500));
      most = Math.max(most, await store.foldBacklog());
    }
    // never 10 steps of 500 waiting once an append is answered, however fast the appends come; without the
    // bound the backlog grows with the stream (35,500 of the 40,000 when this was measured)
    expect(most).toBeLessThan(5000);
    expect(most).toBeGreaterThan(0); // and the stream itself was not folded append by append
    expect(await waitFor(async () => (await store.foldBacklog()) === 0, 20_000)).toBe(true);
    await store.close();
  });

  it("does nothing in the background with rollupStep 0: the summary folds", async () => {
    const store = new SqliteEventStore({ path: await tempPath(), rollupStep: 0 });
    await store.append(events(100));
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.foldBacklog()).toBe(1000);
    expect((await store.summarize({ experiment: "loop" })).variants.map((v) => v.exposedUnits)).toEqual([
      50, 50,
    ]);
    expect(await store.foldBacklog()).toBe(0);
    await store.close();
  });
});
