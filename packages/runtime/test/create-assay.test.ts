import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isManifestError, type ManifestError } from "@assay/config";
import { ExperimentContext, ExperimentError, MemoryEventStore } from "@assay/core";
import { SqliteEventStore } from "@assay/store-sqlite";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import {
  appDir,
  CHECKOUT_EXPERIMENT,
  COUNTING_STORE_MODULE,
  FIXED_BACKEND_MODULE,
  HASH_MANIFEST,
} from "./helpers.js";

/** The hash backend's test manifest on a memory store, without signal handlers. */
async function inMemoryAssay() {
  const dir = await appDir({ "assay.toml": HASH_MANIFEST });
  return createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
}

async function manifestError(run: () => Promise<unknown>): Promise<ManifestError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isManifestError(error)) throw new Error(`expected a ManifestError, got ${String(error)}`);
  return error;
}

describe("createAssay", () => {
  it("assigns, exposes and tracks on the local hash backend, into the default SQLite store", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const alice = ExperimentContext.forUser("alice");
    const variant = assay.assign("checkout_button_color", alice);
    expect(["control", "treatment"]).toContain(variant.variantId);
    expect(variant.inExperiment).toBe(true);
    await assay.expose(variant, alice);
    await assay.track("checkout_button_color", "checkout", true, alice);
    await assay.track("checkout_button_color", "revenue", 42.5, alice);
    const summary = await assay.summarize("checkout_button_color");
    expect(summary.variants).toEqual([{ variantId: variant.variantId, exposedUnits: 1, exposures: 1 }]);
    expect(summary.metrics.map((m) => [m.metric, m.kind, m.variants[0]?.sum])).toEqual([
      ["checkout", "bool", 1],
      ["revenue", "numeric", 42.5],
    ]);
    expect(assay.store.name).toBe("sqlite");
    await assay.close();
    // durable: a new store over the same file sees the three events
    const reopened = new SqliteEventStore({ path: join(dir, ".assay", "events.db") });
    expect(await reopened.count("checkout_button_color")).toBe(3);
    await reopened.close();
  });

  it("records into JSON Lines when the manifest chooses @assay/runtime/store-jsonl", async () => {
    const dir = await appDir({
      "assay.toml": `${HASH_MANIFEST}
[[plugins]]
name = "events"
source = "@assay/runtime/store-jsonl"
options = { path = "data/events.jsonl" }
`,
    });
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const bob = ExperimentContext.forUser("bob");
    await assay.expose(assay.assign("checkout_button_color", bob), bob);
    await assay.track("checkout_button_color", "checkout", true, bob);
    await assay.close();
    const lines = (await readFile(join(dir, "data", "events.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(["exposure", "outcome"]);
  });

  it("batches concurrent records into group commits; flush and close drain them", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const store = new MemoryEventStore();
    const appends: number[] = [];
    const spy: typeof store.append = (batch) => {
      appends.push(batch.length);
      return MemoryEventStore.prototype.append.call(store, batch);
    };
    store.append = spy;
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store,
      handleSignals: false,
      pipeline: { maxBatch: 100, maxDelayMs: 50 },
    });
    for (let i = 0; i < 250; i++) {
      const ctx = ExperimentContext.forUser(`user-${i}`);
      void assay.expose(assay.assign("checkout_button_color", ctx), ctx);
    }
    expect(store.all()).toHaveLength(0); // enqueued, not yet committed
    await assay.flush();
    expect(store.all()).toHaveLength(250);
    expect(appends).toEqual([100, 100, 50]);
    const ids = store.all().map((e) => e.eventId);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id))).toBe(true);
    await assay.close();
  });

  it("does not record exposures of units that are not enrolled", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    const anonymous = ExperimentContext.anonymous({ sessionId: "s1" });
    const variant = assay.assign("checkout_button_color", anonymous);
    expect(variant).toMatchObject({ variantId: "control", inExperiment: false, reason: "anonymous" });
    await assay.expose(variant, anonymous);
    expect(store.all()).toHaveLength(0);
    await assay.close();
  });

  it("refuses bad input at every entry with INVALID_CONTEXT or EXPERIMENT_NOT_FOUND", async () => {
    const assay = await inMemoryAssay();
    const ctx = ExperimentContext.forUser("u");
    const code = async (run: () => unknown) => {
      try {
        await run();
      } catch (e) {
        return ExperimentError.is(e) ? e.code : `not an ExperimentError: ${String(e)}`;
      }
      return "no error";
    };
    expect(await code(() => assay.assign("nope", ctx))).toBe("EXPERIMENT_NOT_FOUND");
    expect(await code(() => assay.assign("", ctx))).toBe("INVALID_CONTEXT");
    expect(await code(() => assay.assign(42 as unknown as string, ctx))).toBe("INVALID_CONTEXT");
    expect(
      await code(() => assay.assign("checkout_button_color", { userId: 7 } as unknown as ExperimentContext)),
    ).toBe("INVALID_CONTEXT");
    expect(await code(() => assay.track("checkout_button_color", "m", Number.NaN, ctx))).toBe(
      "INVALID_CONTEXT",
    );
    expect(await code(() => assay.track("checkout_button_color", "m", Number.POSITIVE_INFINITY, ctx))).toBe(
      "INVALID_CONTEXT",
    );
    expect(
      await code(() => assay.track("checkout_button_color", "m", { kind: "count", value: 2.5 }, ctx)),
    ).toBe("INVALID_CONTEXT");
    expect(
      await code(() => assay.track("checkout_button_color", "m", { kind: "score", value: 1 } as never, ctx)),
    ).toBe("INVALID_CONTEXT");
    expect(await code(() => assay.track("checkout_button_color", "", true, ctx))).toBe("INVALID_CONTEXT");
    expect(await code(() => assay.track("nope", "m", true, ctx))).toBe("EXPERIMENT_NOT_FOUND");
    expect(await code(() => assay.expose(null as never, ctx))).toBe("INVALID_CONTEXT");
    expect(await code(() => ExperimentContext.forUser(""))).toBe("INVALID_CONTEXT");
    // the ids the client takes: a long metric or a NUL in the unit is refused at the call, not by the store
    expect(await code(() => assay.track("checkout_button_color", "m".repeat(257), true, ctx))).toBe(
      "INVALID_CONTEXT",
    );
    expect(
      await code(() => assay.track("checkout_button_color", "m", true, ExperimentContext.forUser("u\u0000"))),
    ).toBe("INVALID_CONTEXT");
    await assay.close();
  });

  it("names the experiment meant when an undeclared one is asked for, else the ones declared", async () => {
    const assay = await inMemoryAssay();
    const ctx = ExperimentContext.forUser("u");
    expect(() => assay.assign("checkout_buton_color", ctx)).toThrowError(
      'experiment "checkout_buton_color" is not declared in the manifest; did you mean "checkout_button_color"?',
    );
    await expect(assay.track("pricing", "m", true, ctx)).rejects.toThrowError(
      `experiment "pricing" is not declared in the manifest; it declares ${assay
        .experiments()
        .map((e) => e.id)
        .join(", ")}`,
    );
    await assay.close();
  });

  it("swaps the backend with a manifest edit: same app code, another plugin module", async () => {
    const dir = await appDir({
      "assay.toml": `
[[plugins]]
name = "fixed"
source = "./fixed-backend.mjs"
options = { always = "treatment" }
${CHECKOUT_EXPERIMENT}`,
      "fixed-backend.mjs": FIXED_BACKEND_MODULE,
    });
    const store = new MemoryEventStore();
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
    for (const id of ["a", "b", "c"]) {
      const ctx = ExperimentContext.forUser(id);
      const variant = assay.assign("checkout_button_color", ctx);
      expect(variant.variantId).toBe("treatment");
      await assay.expose(variant, ctx);
    }
    expect(store.all()).toHaveLength(3);
    await assay.close();
  });

  it("injects the manifest's event store into the experiment backend", async () => {
    const dir = await appDir({
      "assay.toml": `${HASH_MANIFEST}
[[plugins]]
name = "events"
source = "./counting-store.mjs"
`,
      "counting-store.mjs": COUNTING_STORE_MODULE,
    });
    const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
    const ctx = ExperimentContext.forUser("bob");
    await assay.expose(assay.assign("checkout_button_color", ctx), ctx);
    const appended = (globalThis as { __countingStoreAppended?: unknown[] }).__countingStoreAppended;
    expect(appended).toHaveLength(1);
    expect(assay.store.name).toBe("events");
    await assay.close();
  });

  it("reports every unusable plugin of the manifest at its line", async () => {
    const manifest = `[[plugins]]
name = "missing"
source = "@assay/no-such-plugin"

[[plugins]]
name = "not-a-plugin"
source = "./plain.mjs"

[[plugins]]
name = "store-with-experiments"
source = "./counting-store.mjs"
${CHECKOUT_EXPERIMENT}
[[plugins]]
name = "hash"
source = "@assay/experiment-hash"
options = { mode = "growthbook" }
`;
    const lineOf = (text: string) => manifest.split("\n").findIndex((l) => l.includes(text)) + 1;
    const dir = await appDir({
      "assay.toml": manifest,
      "plain.mjs": "export const answer = 42;\n",
      "counting-store.mjs": COUNTING_STORE_MODULE,
    });
    const error = await manifestError(() =>
      createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false }),
    );
    const found = error.issues.map((i) => [i.line, i.key, i.message]);
    expect(found[0]).toEqual([3, "plugins[0].source", expect.stringContaining("is not installed")]);
    expect(found[1]).toEqual([
      7,
      "plugins[1].source",
      expect.stringContaining("does not export an Assay plugin"),
    ]);
    expect(found[2]).toEqual([
      expect.any(Number),
      "plugins[2].experiments",
      expect.stringContaining("not experiments"),
    ]);
    expect(found[2]![0]).toBe(lineOf("[[plugins.experiments]]"));
    expect(found[3]).toEqual([
      lineOf("mode = "),
      "plugins[3].options.mode",
      expect.stringContaining("takes no options"),
    ]);
    expect(error.message.split("\n")[0]).toMatch(/assay\.toml:3:\d+: /);
  });

  it("rejects a manifest with no experiment backend", async () => {
    const dir = await appDir({
      "assay.toml": `[[plugins]]\nname = "events"\nsource = "./counting-store.mjs"\n`,
      "counting-store.mjs": COUNTING_STORE_MODULE,
    });
    const error = await manifestError(() =>
      createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false }),
    );
    expect(error.message).toContain("no plugin provides experiments");
  });
});

describe("assignOrControl", () => {
  it("serves control with reason error instead of throwing, and reports each error", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const errors: Array<[string, unknown]> = [];
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
      onError: (error, experiment) => errors.push([experiment, (error as ExperimentError).code]),
    });
    const ok = assay.assignOrControl("checkout_button_color", ExperimentContext.forUser("alice"));
    expect(ok).toEqual(assay.assign("checkout_button_color", ExperimentContext.forUser("alice")));
    const bad = assay.assignOrControl("checkout_button_color", {
      userId: 42,
    } as unknown as ExperimentContext);
    expect(bad).toEqual({
      experiment: "checkout_button_color",
      variantId: "control",
      isControl: true,
      inExperiment: false,
      reason: "error",
    });
    const unknown = assay.assignOrControl("nope", ExperimentContext.forUser("alice"), "off");
    expect(unknown).toMatchObject({ variantId: "off", inExperiment: false, reason: "error" });
    expect(errors).toEqual([
      ["checkout_button_color", "INVALID_CONTEXT"],
      ["nope", "EXPERIMENT_NOT_FOUND"],
    ]);
    await assay.expose(bad, ExperimentContext.forUser("alice"));
    await assay.close();
  });
});

describe("records nobody awaits", () => {
  it("report a store failure to onError instead of an unhandled rejection, and still reject for awaiters", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const down = {
      name: "down",
      append: async () => {
        throw new Error("ECONNREFUSED");
      },
      summarize: async () => {
        throw new Error("ECONNREFUSED");
      },
    };
    const reported: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const assay = await createAssay({
        manifest: join(dir, "assay.toml"),
        store: down,
        handleSignals: false,
        pipeline: { retry: { initialDelayMs: 1, maxDelayMs: 2, deadlineMs: 20 } },
        onError: (error) => reported.push(error),
      });
      const ctx = ExperimentContext.forUser("alice");
      void assay.expose(assay.assign("checkout_button_color", ctx), ctx);
      void assay.track("checkout_button_color", "checkout", true, ctx);
      const awaited = await assay.track("checkout_button_color", "checkout", true, ctx).then(
        () => "resolved",
        (error: unknown) => (error as ExperimentError).code,
      );
      expect(awaited).toBe("BACKEND");
      await new Promise((resolve) => setTimeout(resolve, 50));
      // the three records went in one commit: its failure is reported once
      expect(reported.map((e) => (e as ExperimentError).code)).toEqual(["BACKEND"]);
      expect(unhandled).toEqual([]);
      await assay.close().catch(() => undefined);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
