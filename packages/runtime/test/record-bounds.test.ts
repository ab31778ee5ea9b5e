import { join } from "node:path";
import { ExperimentContext, InvalidContextError, MemoryEventStore } from "@assay/core";
import { QueueFullError } from "@assay/pipeline";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import { appDir, HASH_MANIFEST } from "./helpers.js";

const DAY = 86_400_000;

async function assayOn(
  store: MemoryEventStore | { name: string; append(): Promise<never>; summarize(): Promise<never> },
  extra = {},
) {
  const dir = await appDir({ "assay.toml": HASH_MANIFEST });
  const errors: unknown[] = [];
  const assay = await createAssay({
    manifest: join(dir, "assay.toml"),
    store,
    handleSignals: false,
    onError: (error) => errors.push(error),
    ...extra,
  });
  return { assay, errors };
}

describe("records the API refuses, naming the field", () => {
  it("a value beyond ±1e15, a timestamp outside the window, options: null", async () => {
    const store = new MemoryEventStore();
    const { assay, errors } = await assayOn(store);
    const ctx = ExperimentContext.forUser("alice");
    const variant = assay.assign("checkout_button_color", ctx);
    await expect(assay.track("checkout_button_color", "revenue", 1e200, ctx)).rejects.toThrowError(
      /^outcome value must be between -1e15 and 1e15/,
    );
    const future = new Date(Date.now() + 8000 * 365 * DAY);
    await expect(assay.expose(variant, ctx, { timestamp: future })).rejects.toMatchObject({
      code: "INVALID_CONTEXT",
      message: expect.stringMatching(/^exposure\.timestamp must be between .* got \+?\d+-/),
    });
    for (const call of [
      () => assay.expose(variant, ctx, null as never),
      () => assay.track("checkout_button_color", "checkout", true, ctx, null as never),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidContextError);
      expect((error as Error).message).toMatch(
        /^(expose|track) options must be an object or undefined, got null$/,
      );
    }
    expect(errors).toHaveLength(4); // every refusal also reached onError
    await expect(assay.summarize("checkout_button_color", null as never)).rejects.toThrowError(
      /^summarize options must be an object or undefined, got null$/,
    );
    await assay.expose(variant, ctx);
    await assay.close();
    expect(store.all()).toHaveLength(1);
  });

  it("takes the timestamp window from the pipeline options (a backfill)", async () => {
    const store = new MemoryEventStore();
    const { assay } = await assayOn(store, {
      pipeline: { timestampWindow: { maxAgeMs: 30 * 365.25 * DAY, maxAheadMs: DAY } },
    });
    const ctx = ExperimentContext.forUser("alice");
    await assay.expose(assay.assign("checkout_button_color", ctx), ctx, {
      timestamp: new Date(Date.UTC(2001, 0, 1)),
    });
    await assay.close();
    expect(store.all()).toHaveLength(1);
  });
});

describe("a full queue", () => {
  it("refuses records nobody awaits at once, reports them to onError and counts them in pipelineStats", async () => {
    const hung = {
      name: "hung",
      append: () => new Promise<never>(() => {}),
      summarize: () => new Promise<never>(() => {}),
    };
    const { assay, errors } = await assayOn(hung, {
      pipeline: { maxQueue: 100, maxBatch: 10, retry: { deadlineMs: 200 } },
    });
    const ctx = ExperimentContext.forUser("alice");
    for (let i = 0; i < 1000; i++)
      void assay.track("checkout_button_color", "items", { kind: "count", value: 1 }, ctx);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(assay.pipelineStats).toMatchObject({ accepted: 100, refused: 900, pending: 100 });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(QueueFullError);
    // the accepted ones fail at the deadline although the store never answers, and are reported too
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(assay.pipelineStats).toMatchObject({ failed: 100, pending: 0 });
    expect(errors.some((e) => /did not answer a commit/.test((e as Error).message))).toBe(true);
    await assay.close();
  });
});
