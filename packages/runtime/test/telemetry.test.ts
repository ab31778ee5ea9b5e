import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import { tracingRegistered } from "../src/telemetry.js";

const MANIFEST = `[[plugins]]
name = "local-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]

[[plugins.experiments]]
id = "qa"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
forced = { treatment = ["qa-alice"] }

[[plugins]]
name = "local-flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
`;
const open = (options: { deprecatedTelemetryAttributes?: boolean } = {}) =>
  createAssay({
    ...options,
    manifest: parseManifest(MANIFEST, join(process.cwd(), "assay.toml")),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");

// The tests run in order in one process: first without any tracing, then with an SDK registered.
describe("OpenTelemetry", () => {
  it("without tracing, assign and expose touch no OpenTelemetry state", async () => {
    const assay = await open();
    const alice = ExperimentContext.forUser("alice");
    const variant = assay.assign("checkout", alice);
    await assay.expose(variant, alice);
    expect(tracingRegistered()).toBe(false);
    expect((globalThis as Record<symbol, unknown>)[OTEL_GLOBAL]).toBeUndefined();
    await assay.close();
  });

  it("adds the feature_flag attributes of assign and expose to the active span", async () => {
    const before = await open(); // started before the SDK: notices it within a second
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    expect(tracingRegistered()).toBe(true);
    const assay = await open();
    const tracer = trace.getTracer("test");
    const alice = ExperimentContext.forUser("alice");

    // no active span: nothing to annotate, nothing fails
    expect(assay.assign("checkout", alice).experiment).toBe("checkout");

    const variant = await tracer.startActiveSpan("GET /checkout", async (span) => {
      const v = assay.assign("checkout", alice);
      await assay.expose(v, alice);
      assay.assign("qa", ExperimentContext.forUser("qa-alice"));
      span.end();
      return v;
    });
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("GET /checkout");
    // attributes: the last evaluation (the forced one)
    expect(span!.attributes).toMatchObject({
      "feature_flag.key": "qa",
      "feature_flag.result.variant": "treatment",
      "feature_flag.provider.name": "local-hash",
      "feature_flag.result.reason": "static",
      "feature_flag.context.id": "qa-alice",
      "assay.reason": "forced",
      "assay.in_experiment": false,
    });
    // the names the conventions replaced are set only when asked for
    expect(span!.attributes["feature_flag.variant"]).toBeUndefined();
    expect(span!.attributes["feature_flag.provider_name"]).toBeUndefined();
    // events: every evaluation and the exposure
    expect(
      span!.events.map((e) => [
        e.name,
        e.attributes?.["feature_flag.key"],
        e.attributes?.["feature_flag.result.variant"],
      ]),
    ).toEqual([
      ["feature_flag.evaluation", "checkout", variant.variantId],
      ["assay.exposure", "checkout", variant.variantId],
      ["feature_flag.evaluation", "qa", "treatment"],
    ]);
    expect(span!.events[0]!.attributes).toMatchObject({
      "feature_flag.provider.name": "local-hash",
      "feature_flag.result.reason": "split",
      "feature_flag.context.id": "alice",
      "assay.reason": "hash",
    });

    await expect
      .poll(
        () => {
          exporter.reset();
          tracer.startActiveSpan("later", (span) => {
            before.assign("checkout", alice);
            span.end();
          });
          return exporter.getFinishedSpans()[0]?.attributes["feature_flag.key"];
        },
        { timeout: 3_000, interval: 100 },
      )
      .toBe("checkout");
    await Promise.all([assay.close(), before.close()]);
  });

  it("flag evaluations add the same attributes", async () => {
    const exporter = new InMemorySpanExporter();
    trace.disable();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const assay = await open();
    trace.getTracer("test").startActiveSpan("flags", (span) => {
      expect(assay.flags.isEnabled("new_checkout", ExperimentContext.forUser("bob"))).toBe(true);
      span.end();
    });
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({
      "feature_flag.key": "new_checkout",
      "feature_flag.result.variant": "on",
      "feature_flag.provider.name": "local-flags",
      "feature_flag.context.id": "bob",
    });
    await assay.close();
  });

  it("deprecatedTelemetryAttributes also sets the replaced names, on flags, assign and expose", async () => {
    const exporter = new InMemorySpanExporter();
    trace.disable();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const assay = await open({ deprecatedTelemetryAttributes: true });
    const bob = ExperimentContext.forUser("bob");
    trace.getTracer("test").startActiveSpan("flags", (span) => {
      assay.flags.isEnabled("new_checkout", bob);
      span.end();
    });
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({
      "feature_flag.key": "new_checkout",
      "feature_flag.result.variant": "on",
      "feature_flag.variant": "on",
      "feature_flag.provider.name": "local-flags",
      "feature_flag.provider_name": "local-flags",
      "feature_flag.context.id": "bob",
    });
    exporter.reset();
    await trace.getTracer("test").startActiveSpan("assign", async (span) => {
      await assay.expose(assay.assign("checkout", bob), bob);
      span.end();
    });
    const events = exporter.getFinishedSpans()[0]!.events;
    expect(events.map((e) => e.name)).toEqual(["feature_flag.evaluation", "assay.exposure"]);
    for (const e of events) {
      expect(e.attributes?.["feature_flag.variant"]).toBe(e.attributes?.["feature_flag.result.variant"]);
      expect(e.attributes?.["feature_flag.provider_name"]).toBe("local-hash");
    }
    await assay.close();
  });

  it("tracing: false leaves the span alone", async () => {
    const exporter = new InMemorySpanExporter();
    trace.disable();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const quiet = await createAssay({
      manifest: parseManifest(MANIFEST, join(process.cwd(), "assay.toml")),
      store: new MemoryEventStore(),
      handleSignals: false,
      tracing: false,
    });
    trace.getTracer("test").startActiveSpan("quiet", (span) => {
      quiet.assign("checkout", ExperimentContext.forUser("alice"));
      span.end();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe("quiet");
    expect(span!.attributes).toEqual({});
    expect(span!.events).toEqual([]);
    await quiet.close();
  });
});
