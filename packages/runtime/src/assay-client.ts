import {
  describe,
  dimensionsFromAttributes,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPlugin,
  type ExperimentSummary,
  InvalidContextError,
  makeVariant,
  nearest,
  type OutcomeInput,
  requireId,
  type SummaryQuery,
  toOutcomeValue,
  unknownExperimentError,
  type Variant,
} from "@assay/core";
import { BatchingEventStore, type PipelineStats } from "@assay/pipeline";
import type { FlagClient } from "./flag-client.js";
import { AssaySnapshot } from "./live/assay-snapshot.js";
import type { ManifestReloader, ManifestStatus, ReloadResult } from "./live/manifest-reloader.js";
import type { ExperimentPolicy } from "./policy/experiment-policy.js";
import type { StickyAssignments } from "./policy/sticky-assignments.js";
import { annotateActiveSpan, tracingRegistered } from "./telemetry.js";

/** Per-call options of `expose` and `track`. */

/** What `expose` returns for a unit that is not counted: already settled, shared. */
const RECORDED_NOTHING: Promise<void> = Promise.resolve();

export interface RecordOptions {
  /** When it happened; default now. */
  readonly timestamp?: Date;
  /** Idempotency key; a retry with the same id is counted once. Made for you when absent. */
  readonly eventId?: string;
}

/** A declared experiment and the backend that serves it. */
export interface ExperimentRoute {
  readonly definition: ExperimentDefinition;
  readonly plugin: ExperimentPlugin;
  /**
   * What the runtime evaluates before the backend (kill switch, forced units, targeting, layer, sticky),
   * compiled once; undefined when the experiment uses none of it, and then `assign` calls the backend only.
   */
  readonly policy?: ExperimentPolicy | undefined;
}

/**
 * @internal One loaded manifest: what createAssay (or a reload) built from it. A reload builds a new one off
 * the hot path and swaps it in whole, so an `assign` sees one version or the other, never a mix.
 */
export interface AssayGeneration {
  readonly routes: ReadonlyMap<string, ExperimentRoute>;
  readonly plugins: readonly ExperimentPlugin[];
  readonly flags: FlagClient;
  readonly flagPlugins: ReadonlyArray<{ close?(): Promise<void> }>;
  readonly sticky: StickyAssignments | undefined;
  /** 1 for the manifest createAssay loaded, then one more per reload that was swapped in. */
  readonly version: number;
  /** The content hash of the manifest's text (see `manifestVersionOf`). */
  readonly manifestVersion: string;
  /**
   * The environment every record of this version names: the one selected (`env`, `ASSAY_ENV`, the manifest's
   * `environment`), else DEFAULT_ENVIRONMENT.
   */
  readonly environment: string;
}

/**
 * The one object an app talks to. Assign (pure, synchronous), render, expose what was shown, track what
 * the unit did; which backend answers is the manifest's business, never the app's.
 */
export class Assay {
  // The current generation's routes, kept in a field of their own: `route` reads them on every change of
  // experiment. Replaced (with the generation) by `swap`.
  private routes: ReadonlyMap<string, ExperimentRoute>;
  private generation: AssayGeneration;
  private closing: Promise<void> | undefined;
  // The route of the last experiment assigned. A request usually assigns the same few experiments again and
  // again; comparing the id with the last one (a pointer comparison for the same string) skips the Map.
  private lastExperiment = "";
  private lastRoute: ExperimentRoute | undefined;
  // Whether an OpenTelemetry SDK is registered. A field read on the hot path: reading the API's global (a
  // symbol-keyed property of globalThis) on every call costs about 15% of an assign. Checked at start and
  // then once a second until an SDK appears (see telemetry.ts).
  private tracing: boolean;
  private tracingProbe: ReturnType<typeof setInterval> | undefined;

  /** @internal built by createAssay. */
  constructor(
    generation: AssayGeneration,
    /** The event store every backend records into. */
    readonly store: EventStore,
    private readonly onClose: () => Promise<void>,
    private readonly onError: (error: unknown, experiment: string) => void = () => {},
    /** False: never annotate spans, never look for an SDK. */
    private readonly tracingAllowed = true,
    /** Also set the deprecated attribute names (`createAssay({ deprecatedTelemetryAttributes })`). */
    private readonly deprecatedAttributes = false,
  ) {
    this.generation = generation;
    this.routes = generation.routes;
    this.tracing = false;
    if (tracingAllowed && tracingRegistered()) this.startTracing();
    else if (tracingAllowed) {
      this.tracingProbe = setInterval(() => {
        if (!tracingRegistered()) return;
        this.startTracing();
        clearInterval(this.tracingProbe);
      }, TRACING_PROBE_MS);
      this.tracingProbe.unref?.();
    }
  }

  /**
   * Which variant of `experiment` this unit sees. Throws ExperimentError (EXPERIMENT_NOT_FOUND,
   * INVALID_CONTEXT). Records nothing, except that a sticky experiment stores a unit's first enrolled
   * variant (in the background; the answer is synchronous). Order: kill switch, forced units, targeting,
   * layer slot, stored sticky assignment, then the backend (traffic, then variant). With tracing set up, the
   * active span gets the feature-flag attributes.
   */
  assign(experiment: string, ctx: ExperimentContext): Variant {
    // The hot path, kept as small as before policies and tracing existed so V8 inlines it into the caller:
    // the same experiment as last time, no tracing (a traced client gets `assignTraced` as its own `assign`).
    const last = this.lastRoute;
    if (experiment === this.lastExperiment && last !== undefined) {
      const policy = last.policy;
      return policy === undefined
        ? last.plugin.assign(experiment, ctx)
        : policy.assign(last.plugin, experiment, ctx);
    }
    return this.route(experiment, ctx);
  }

  /** `assign` once an OpenTelemetry SDK is registered: the same answer, then the span's attributes. */
  private assignTraced(experiment: string, ctx: ExperimentContext): Variant {
    const route = experiment === this.lastExperiment ? this.lastRoute : undefined;
    const variant =
      route === undefined
        ? this.route(experiment, ctx)
        : route.policy === undefined
          ? route.plugin.assign(experiment, ctx)
          : route.policy.assign(route.plugin, experiment, ctx);
    const served = this.lastRoute;
    if (served !== undefined) {
      annotateActiveSpan(variant, ctx, served.plugin.name, undefined, this.deprecatedAttributes);
    }
    return variant;
  }

  /** Looks the experiment up, remembers it as the last one, and assigns. */
  private route(experiment: string, ctx: ExperimentContext): Variant {
    const route = this.routes.get(experiment);
    if (route === undefined) throw notFound(experiment, this.routes.keys());
    this.lastExperiment = experiment;
    this.lastRoute = route;
    const policy = route.policy;
    return policy === undefined
      ? route.plugin.assign(experiment, ctx)
      : policy.assign(route.plugin, experiment, ctx);
  }

  /** Feature flags (`assay.flags.isEnabled(key, ctx)`): never recorded, never exposed. The current version's. */
  get flags(): FlagClient {
    return this.generation.flags;
  }

  /** How many manifests this client has run: 1 for the one createAssay loaded, one more per reload. */
  get version(): number {
    return this.generation.version;
  }

  /** The content hash of the manifest now serving (`sha256:` and 16 hex digits of its text). */
  get manifestVersion(): string {
    return this.generation.manifestVersion;
  }

  /**
   * The version serving now, held: its `assign`, `expose` and `track` keep using it even if a reload swaps
   * in a new manifest meanwhile. Take one per request (or per job) that assigns several times, so it sees
   * one version from start to end.
   */
  snapshot(): AssaySnapshot {
    return new AssaySnapshot(this, this.generation);
  }

  /**
   * @internal Serves `next` from now on and returns the generation it replaced (the caller retires it). A
   * single synchronous step: no `assign` runs half on one and half on the other.
   */
  swap(next: AssayGeneration): AssayGeneration {
    const previous = this.generation;
    this.generation = next;
    this.routes = next.routes;
    this.lastExperiment = "";
    this.lastRoute = undefined;
    return previous;
  }

  /** @internal the generation serving now. */
  current(): AssayGeneration {
    return this.generation;
  }

  /** Switches to the traced `assign` (once: tracing stays on for the client's life). */
  private startTracing(): void {
    this.tracing = true;
    this.assign = this.assignTraced;
  }

  /**
   * `assign` that never throws: on any error (an undeclared experiment, a bad context, a failing backend) it
   * serves the experiment's control, not enrolled, with `reason: "error"`, and reports the error to the
   * `onError` hook given to createAssay. For an undeclared experiment, whose control is unknown, the variant
   * id is `fallback`. For pages that must render whatever happens (the OpenFeature habit).
   */
  assignOrControl(experiment: string, ctx: ExperimentContext, fallback = "control"): Variant {
    try {
      return this.assign(experiment, ctx);
    } catch (error) {
      return this.controlAfter(error, experiment, fallback, this.routes);
    }
  }

  /** @internal what assignOrControl serves after `error` (also a snapshot's, over its own routes). */
  controlAfter(
    error: unknown,
    experiment: string,
    fallback: string,
    routes: ReadonlyMap<string, ExperimentRoute>,
  ): Variant {
    this.onError(error, experiment);
    const route = typeof experiment === "string" ? routes.get(experiment) : undefined;
    const control = route?.definition.variants.find((v) => v.isControl);
    return makeVariant(String(experiment), control?.id ?? fallback, true, false, "error", control?.value);
  }

  /** @internal annotates the active span for a snapshot's assign, when tracing is on. */
  annotate(variant: Variant, ctx: ExperimentContext, plugin: string): void {
    if (this.tracing) annotateActiveSpan(variant, ctx, plugin, undefined, this.deprecatedAttributes);
  }

  /**
   * Records that the unit of `ctx` was shown `variant`. Call it once the variant is rendered. Units that are
   * not enrolled (`variant.inExperiment === false`: anonymous, outside targeting, traffic or the layer slot,
   * disabled, forced) are not counted, so nothing is recorded for them. Resolves once the event store
   * accepted the exposure. With tracing set up, the active span gets the feature-flag attributes and an
   * `assay.exposure` event, whether or not the exposure counts.
   */
  expose(variant: Variant, ctx: ExperimentContext, options: RecordOptions = {}): Promise<void> {
    return this.reported(
      () => this.recordExposure(variant, ctx, options, this.generation),
      variant?.experiment,
    );
  }

  // Not async: the backend's promise is returned as is (the pipeline shares one per commit), so a record
  // allocates no promise here. Throws for a refused record; `reported` turns that into a rejection.
  /**
   * @internal also a snapshot's, over its own generation: the exposure names that generation's manifest
   * version and the experiment's phase in it.
   */
  recordExposure(
    variant: Variant,
    ctx: ExperimentContext,
    options: RecordOptions,
    generation: AssayGeneration,
  ): Promise<void> {
    const routes = generation.routes;
    requireOptions(options, "expose");
    if (typeof variant !== "object" || variant === null) {
      throw new InvalidContextError(`expose needs the Variant returned by assign, got ${describe(variant)}`);
    }
    const route = routes.get(variant.experiment);
    if (route === undefined) throw notFound(variant.experiment, routes.keys());
    if (this.tracing || (this.tracingAllowed && tracingRegistered())) {
      annotateActiveSpan(variant, ctx, route.plugin.name, "assay.exposure", this.deprecatedAttributes);
    }
    // Forced units are never counted, even if a caller rebuilt the Variant as enrolled.
    if (!variant.inExperiment || variant.reason === "forced") return RECORDED_NOTHING;
    // The experiment's declared dimensions, read from the context's attributes (a missing one is left out).
    const declared = route.definition.dimensions;
    const dimensions =
      declared === undefined || declared.length === 0
        ? undefined
        : dimensionsFromAttributes(ctx.attributes, declared);
    return route.plugin.recordExposure({
      experiment: variant.experiment,
      variantId: variant.variantId,
      ...unitOf(ctx),
      timestamp: options.timestamp ?? new Date(),
      ...(options.eventId !== undefined ? { eventId: options.eventId } : {}),
      manifestVersion: generation.manifestVersion,
      phase: route.definition.phase ?? 1,
      environment: generation.environment,
      ...(dimensions === undefined ? {} : { dimensions }),
    });
  }

  /**
   * Records that the unit of `ctx` did `metric` with `value` in `experiment`: `true`/`false` (converted or
   * not), a finite number, or `{ kind: "count", value: 3 }`. Outcomes count only for units exposed at or
   * before the outcome's time. Resolves once the event store accepted it.
   */
  track(
    experiment: string,
    metric: string,
    value: OutcomeInput,
    ctx: ExperimentContext,
    options: RecordOptions = {},
  ): Promise<void> {
    return this.reported(
      () => this.recordOutcome(experiment, metric, value, ctx, options, this.generation),
      experiment,
    );
  }

  // Not async, like recordExposure.
  /**
   * @internal also a snapshot's, over its own generation: the outcome counts in the experiment's phase of
   * that generation (an outcome recorded after a re-randomization belongs to the new phase).
   */
  recordOutcome(
    experiment: string,
    metric: string,
    value: OutcomeInput,
    ctx: ExperimentContext,
    options: RecordOptions,
    generation: AssayGeneration,
  ): Promise<void> {
    requireOptions(options, "track");
    const route = generation.routes.get(experiment);
    if (route === undefined) throw notFound(experiment, generation.routes.keys());
    requireId(metric, "metric");
    return route.plugin.recordOutcome({
      experiment,
      metric,
      value: toOutcomeValue(value),
      ...unitOf(ctx),
      timestamp: options.timestamp ?? new Date(),
      ...(options.eventId !== undefined ? { eventId: options.eventId } : {}),
      phase: route.definition.phase ?? 1,
      environment: generation.environment,
    });
  }

  /**
   * Per-variant exposed units and per-metric sufficient statistics, computed by the event store, of this
   * client's environment and the experiment's current phase unless `query` names others.
   */
  async summarize(
    experiment: string,
    query: Omit<SummaryQuery, "experiment"> = {},
  ): Promise<ExperimentSummary> {
    requireOptions(query, "summarize");
    const route = this.routes.get(experiment);
    if (route === undefined) throw notFound(experiment, this.routes.keys());
    const unit = route.definition.unit === "session" ? "session" : "user";
    return this.store.summarize({
      unit,
      environment: this.generation.environment,
      phase: route.definition.phase ?? 1,
      ...query,
      experiment,
    });
  }

  /** The environment this client records under (see AssayGeneration.environment). */
  get environment(): string {
    return this.generation.environment;
  }

  /** The declared experiments, in manifest order. */
  experiments(): ExperimentDefinition[] {
    return [...this.routes.values()].map((r) => r.definition);
  }

  /**
   * Starts the record and hands its promise back (a throw becomes a rejection), reporting a failure to
   * `onError` as well. A caller that awaits gets
   * the rejection; one that does not (the usual way to expose after rendering) would otherwise leave an
   * unhandled rejection, which ends a Node process: a store down past the pipeline's deadline must not take
   * the app with it.
   */
  /** @internal also a snapshot's. */
  reported(start: () => Promise<void>, experiment: unknown): Promise<void> {
    let record: Promise<void>;
    try {
      record = start();
    } catch (error) {
      record = Promise.reject(error);
    }
    // Records of one commit share their promise: one handler per promise reports its failure once.
    if (record !== this.lastReported && record !== RECORDED_NOTHING) {
      this.lastReported = record;
      record.catch((error: unknown) => this.onError(error, String(experiment)));
    }
    return record;
  }

  private lastReported: Promise<void> | undefined;

  /** Waits until every record accepted so far is written (and every sticky assignment stored). */
  async flush(): Promise<void> {
    await flushGeneration(this.generation);
    await this.store.flush?.();
  }

  /**
   * What the event pipeline did with the records so far: accepted, committed, failed (past the deadline),
   * committed after their deadline, refused because the queue was full (each refusal also went to `onError`),
   * and pending. Undefined when the store is not behind the pipeline.
   */
  get pipelineStats(): PipelineStats | undefined {
    return this.store instanceof BatchingEventStore ? this.store.stats : undefined;
  }

  /** @internal whether spans are annotated now (the flag client asks per evaluation). */
  tracingActive(): boolean {
    return this.tracing;
  }

  /** Reloads the sticky assignments other instances stored since the last refresh (also done periodically). */
  async refreshSticky(): Promise<void> {
    await this.generation.sticky?.refresh();
  }

  /** @internal run first by close: stops a watcher and retires the generations it swapped out. */
  beforeClose: (() => Promise<void>) | undefined;

  /** @internal set by createAssay for a manifest read from a path or a URL. */
  reloader: ManifestReloader | undefined;

  /**
   * Reads the manifest again now (also what a watcher does on a change or SIGHUP) and swaps the new version
   * in if it changed and is valid; a refused one keeps the old serving and is reported to `onError`. Throws
   * InvalidContextError for a client made from a parsed manifest.
   */
  reload(): Promise<ReloadResult> {
    if (this.reloader === undefined) {
      return Promise.reject(
        new InvalidContextError("reload: this client was made from a parsed manifest; nothing to re-read"),
      );
    }
    return this.reloader.reload();
  }

  /**
   * The manifest serving now (version, content hash, when loaded, whether watched) and the last one refused
   * since, with its errors; for a health endpoint. Undefined for a client made from a parsed manifest.
   */
  manifestStatus(): ManifestStatus | undefined {
    return this.reloader?.status();
  }

  /** Flushes, then closes every backend and the store. Idempotent. */
  close(): Promise<void> {
    clearInterval(this.tracingProbe);
    this.closing ??= (async () => {
      await this.beforeClose?.();
      await this.flush();
      await closeGeneration(this.generation);
      await this.store.close?.();
      await this.onClose();
    })();
    return this.closing;
  }
}

/** @internal Waits until a generation's sticky assignments and its backends' records are handed on. */
export async function flushGeneration(generation: AssayGeneration): Promise<void> {
  await generation.sticky?.flush();
  await Promise.all(generation.plugins.map((p) => p.flush?.()));
}

/** @internal Closes a generation's sticky map and backends (not the store: every generation shares it). */
export async function closeGeneration(generation: AssayGeneration): Promise<void> {
  await generation.sticky?.close();
  await Promise.all(generation.plugins.map((p) => p.close?.()));
  await Promise.all(generation.flagPlugins.map((p) => p.close?.()));
}

/** How often a client without tracing looks for an OpenTelemetry SDK registered after it started. */
const TRACING_PROBE_MS = 1000;

/** The error for an undeclared experiment, with the nearest declared id (a typo) or the ids declared. */
function notFound(experiment: unknown, declared: Iterable<string>): Error {
  const ids = [...declared];
  const near = typeof experiment === "string" ? nearest(experiment, ids) : undefined;
  const hint =
    near !== undefined
      ? `; did you mean ${JSON.stringify(near)}?`
      : ids.length === 0
        ? "; it declares no experiments"
        : `; it declares ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? `, and ${ids.length - 10} more` : ""}`;
  return unknownExperimentError(
    experiment,
    `experiment ${JSON.stringify(experiment)} is not declared in the manifest${hint}`,
  );
}

/** Per-call options (expose, track, summarize): an object or nothing (`null` is a caller's bug, not "no options"). */
function requireOptions(options: unknown, call: string): void {
  if (typeof options !== "object" || options === null) {
    throw new InvalidContextError(`${call} options must be an object or undefined, got ${describe(options)}`);
  }
}

function unitOf(ctx: ExperimentContext): { userId?: string; sessionId?: string } {
  if (typeof ctx !== "object" || ctx === null) {
    throw new InvalidContextError(`context must be an object, got ${describe(ctx)}`);
  }
  return {
    ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
    ...(ctx.sessionId !== undefined ? { sessionId: ctx.sessionId } : {}),
  };
}
