import { type AttributedExposure, outsideVariants, readJsonFile, VendorAdapter } from "@assay/adapter-core";
import {
  BackendError,
  describe,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPlugin,
  type ExposureRecord,
  exposureEvent,
  InvalidContextError,
  makeVariant,
  type OutcomeRecord,
  outcomeEvent,
  recordEvent,
  type StoredEvent,
  type Variant,
  validateOutcome,
} from "@assay/core";
import {
  type Experiment,
  type FeatureApiResponse,
  type FeatureRule,
  GrowthBookClient,
  type Result,
  type TrackingUserContext,
  type UserContext,
} from "@growthbook/growthbook";
import type { GrowthBookPluginOptions } from "./options.js";

/** Where an Assay experiment lives in the GrowthBook payload. */
type Route =
  | { readonly kind: "feature"; readonly featureId: string; readonly key: string }
  | { readonly kind: "inline"; readonly key: string };

interface Served {
  readonly definition: ExperimentDefinition;
  readonly growthbookKey: string;
  readonly variantIds: ReadonlySet<string>;
  /** Enrolled variants by GrowthBook result key (`meta[].key` or the index). */
  readonly byKey: ReadonlyMap<string, Variant>;
  /** Enrolled variants by variation index, when the keys do not match. */
  readonly byIndex: readonly Variant[];
  readonly sticky: readonly Variant[];
  readonly anonymous: Variant;
  readonly outside: Variant;
  readonly targeted: Variant;
  readonly disabled: Variant;
  route: Route | undefined;
}

/** Constructor options: the plugin options plus the experiments to serve and the event store. */
export interface GrowthBookBackendOptions extends GrowthBookPluginOptions {
  /** Name reported by the plugin (the manifest entry's name). Default "growthbook". */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes go. */
  readonly store: EventStore;
}

/**
 * An Assay experiment backend over the GrowthBook SDK (`GrowthBookClient`). `init` loads the payload (from
 * the API with a client key, optionally refreshed in the background, or from a payload / file); `assign`
 * evaluates the GrowthBook experiment mapped to the Assay id synchronously, with no tracking callback set, so
 * it records nothing (it remembers the context, see below). `recordExposure` sets the tracking callback and
 * evaluates again with the same context `assign` was given (the attributes included: the record itself names
 * only the unit), so GrowthBook tracks the experiment it assigned; the exposure reaches the event store (and
 * `onExposure`) through GrowthBook's tracking callback. Outcomes go to the event store.
 */
export class GrowthBookBackend extends VendorAdapter<Served, GrowthBookClient> implements ExperimentPlugin {
  private readonly options: GrowthBookBackendOptions;
  /** The feature map the routes were computed from: the SDK replaces it on every payload refresh. */
  private routedFeatures: unknown;
  /** Inline experiments by key, from the routed payload. */
  private inline = new Map<string, Experiment<unknown>>();
  /** Set while `recordExposure` evaluates: the tracking callback turns GrowthBook's view into this event. */
  private tracking:
    | {
        readonly record: ExposureRecord;
        readonly served: Served;
        event?: StoredEvent;
        hook?: Promise<void> | void;
      }
    | undefined;

  constructor(options: GrowthBookBackendOptions) {
    super("growthbook", options, (definition) =>
      serve(definition, options.experimentKeys?.[definition.id] ?? definition.id),
    );
    this.options = options;
  }

  /** Loads the payload and checks that every declared experiment is in it with as many variations as variants. */
  async init(): Promise<void> {
    if (this.client) return;
    const o = this.options;
    const client = new GrowthBookClient({
      ...(o.apiHost === undefined ? {} : { apiHost: o.apiHost }),
      ...(o.clientKey === undefined ? {} : { clientKey: o.clientKey }),
      ...(o.decryptionKey === undefined ? {} : { decryptionKey: o.decryptionKey }),
      disableCache: true,
      // no tracking callback while assigning: GrowthBook would fire it (through promises) on every evaluation
    });
    let payload = o.payload;
    if (payload === undefined && o.payloadFile !== undefined) {
      payload = (await readJsonFile(o.payloadFile, {
        baseDir: o.baseDir,
        vendor: "growthbook",
        what: "payload",
      })) as FeatureApiResponse;
    }
    if (payload === undefined && o.clientKey === undefined) {
      throw new BackendError("growthbook: give a client key and API host, a payload, or a payload file");
    }
    const response = await client.init({
      ...(payload === undefined ? {} : { payload }),
      timeout: (o.timeoutSeconds ?? 10) * 1000,
      skipCache: true,
      // (not `streaming: false`: the SDK reads that as "no background sync" for every instance, polling included)
      ...(o.pollingIntervalSeconds === undefined ? {} : { pollingInterval: o.pollingIntervalSeconds * 1000 }),
    });
    if (!response.success) {
      client.destroy();
      throw new BackendError(
        `growthbook: could not load features from ${o.apiHost}: ${response.error?.message ?? response.source}`,
        { cause: response.error },
      );
    }
    this.client = client;
    this.route(true);
  }

  assign(experiment: string, ctx: ExperimentContext): Variant {
    const served = this.lookup(experiment);
    if (typeof ctx !== "object" || ctx === null) {
      throw new InvalidContextError(`context must be an object, got ${describe(ctx)}`);
    }
    const definition = served.definition;
    if (!definition.enabled) return served.disabled;
    const unit = unitOf(definition, ctx);
    if (unit === undefined) return served.anonymous;
    if (typeof unit !== "string" || unit.length === 0) {
      throw new InvalidContextError(
        `context unit of experiment ${definition.id} must be a non-empty string, got ${describe(unit)}`,
      );
    }
    this.contexts.remember(experiment, ctx);
    const evaluated = this.evaluate(served, ctx);
    if (evaluated === undefined) return served.outside;
    const { result, forced } = evaluated;
    if (forced) return served.targeted;
    if (!result?.inExperiment) return served.outside;
    return this.variantOf(served, result);
  }

  /**
   * Records an exposure: GrowthBook evaluates the unit again with the context `assign` last saw for it (or the
   * record's own `attributes`), fires its tracking callback and `onExposure`, and the event is stored.
   */
  async recordExposure(exposure: AttributedExposure): Promise<void> {
    const served = this.declaredExposure(exposure);
    // Evaluate again with tracking on: GrowthBook's tracking callback builds the event (see onTrack).
    const attributes = this.contexts.attributesFor(exposure);
    const tracking: NonNullable<GrowthBookBackend["tracking"]> = { record: exposure, served };
    this.tracking = tracking;
    const client = this.requireClient();
    client.setTrackingCallback((experiment, result, user) => this.onTrack(experiment, result, user));
    try {
      this.evaluate(served, { ...exposure, attributes });
    } finally {
      this.tracking = undefined;
      client.setTrackingCallback(
        undefined as unknown as Parameters<GrowthBookClient["setTrackingCallback"]>[0],
      );
    }
    // A unit GrowthBook does not track (its context forgotten and the record carrying no attributes, or a
    // payload that changed since assign) is still recorded as the caller says it was shown: no exposure is dropped.
    await recordEvent(this.store, tracking.event ?? exposureEvent(exposure));
    await tracking.hook;
  }

  async recordOutcome(outcome: OutcomeRecord): Promise<void> {
    validateOutcome(outcome);
    this.lookup(outcome.experiment);
    await recordEvent(this.store, outcomeEvent(outcome));
  }

  async flush(): Promise<void> {
    await this.store.flush?.();
  }

  /** Stops the background refresh. */
  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  /** The GrowthBook payload in use (after init). */
  payload(): FeatureApiResponse | undefined {
    return this.client?.getDecryptedPayload();
  }

  /** GrowthBook's result for this unit, or undefined when the payload has no such experiment (any more). */
  private evaluate(
    served: Served,
    ctx: { readonly userId?: string | undefined; readonly attributes?: Readonly<Record<string, string>> },
  ): { result: Result<unknown> | null; forced: boolean } | undefined {
    const client = this.requireClient();
    this.route(false);
    const route = served.route;
    if (route === undefined) return undefined;
    const attributes: Record<string, unknown> = { ...ctx.attributes };
    if (ctx.userId !== undefined) attributes.id = ctx.userId;
    const user: UserContext = { attributes };
    if (route.kind === "inline") {
      const experiment = this.inline.get(route.key);
      if (experiment === undefined) return undefined;
      return { result: client.runInlineExperiment(experiment as Experiment<unknown>, user), forced: false };
    }
    const feature = client.evalFeature(route.featureId, user);
    const result = feature.experimentResult ?? null;
    if (result && feature.experiment?.key !== route.key) return { result: null, forced: false };
    return { result, forced: feature.source === "force" || feature.source === "override" };
  }

  private variantOf(served: Served, result: Result<unknown>): Variant {
    if (result.stickyBucketUsed) return served.sticky[result.variationId] ?? served.outside;
    return served.byKey.get(result.key) ?? served.byIndex[result.variationId] ?? served.outside;
  }

  private onTrack(experiment: Experiment<unknown>, result: Result<unknown>, user: TrackingUserContext): void {
    const tracking = this.tracking;
    if (tracking === undefined || experiment.key !== tracking.served.growthbookKey) return;
    const variant = this.variantOf(tracking.served, result);
    const record: ExposureRecord = { ...tracking.record, variantId: variant.variantId };
    tracking.event = exposureEvent(record);
    const hook = this.options.onExposure;
    if (hook) {
      tracking.hook = hook({
        experiment: record.experiment,
        variantId: record.variantId,
        growthbookExperiment: experiment,
        result,
        user,
        timestamp: record.timestamp,
        ...(record.eventId === undefined ? {} : { eventId: record.eventId }),
      });
    }
  }

  /** Finds each experiment in the payload; on the first load, a missing or mismatched experiment is an error. */
  private route(strict: boolean): void {
    const client = this.client!;
    // getFeatures() is the SDK's own map, replaced on refresh; getDecryptedPayload() may build a new object per call
    const features = client.getFeatures();
    if (features === this.routedFeatures) return;
    this.routedFeatures = features;
    const payload = client.getDecryptedPayload();
    this.inline = new Map((payload.experiments ?? []).map((e) => [e.key, e as Experiment<unknown>]));
    const problems: string[] = [];
    for (const served of this.served.values()) {
      const found = findExperiment(payload, served.growthbookKey);
      served.route = found?.route;
      if (!found)
        problems.push(
          `no experiment rule, feature or inline experiment with key ${JSON.stringify(served.growthbookKey)} (for ${served.definition.id})`,
        );
      else if (found.variations !== served.byIndex.length) {
        problems.push(
          `${served.growthbookKey} has ${found.variations} variations, ${served.definition.id} declares ${served.byIndex.length} variants`,
        );
      }
    }
    if (strict && problems.length > 0) throw new BackendError(`growthbook: ${problems.join("; ")}`);
  }
}

function findExperiment(
  payload: FeatureApiResponse,
  key: string,
): { route: Route; variations: number } | undefined {
  const features = payload.features ?? {};
  for (const [featureId, feature] of Object.entries(features)) {
    for (const rule of (feature.rules ?? []) as FeatureRule[]) {
      if (rule.variations && (rule.key || featureId) === key) {
        return { route: { kind: "feature", featureId, key }, variations: rule.variations.length };
      }
    }
  }
  const feature = features[key];
  const rule = (feature?.rules ?? []).find((r) => r.variations);
  if (rule?.variations) {
    return {
      route: { kind: "feature", featureId: key, key: rule.key || key },
      variations: rule.variations.length,
    };
  }
  const inline = (payload.experiments ?? []).find((e) => e.key === key);
  if (inline) return { route: { kind: "inline", key }, variations: inline.variations.length };
  return undefined;
}

function unitOf(definition: ExperimentDefinition, ctx: ExperimentContext): unknown {
  if (definition.unit === "user") return ctx.userId;
  if (definition.unit === "session") return ctx.sessionId;
  const attributes: unknown = ctx.attributes;
  if (typeof attributes !== "object" || attributes === null) {
    throw new InvalidContextError(`context.attributes must be an object, got ${describe(attributes)}`);
  }
  return (attributes as Record<string, unknown>)[definition.unit];
}

function serve(definition: ExperimentDefinition, growthbookKey: string): Served {
  const byIndex = definition.variants.map((v) => makeVariant(definition.id, v.id, v.isControl, true, "hash"));
  return {
    definition,
    growthbookKey,
    variantIds: new Set(definition.variants.map((v) => v.id)),
    byKey: new Map(byIndex.map((v) => [v.variantId, v])),
    byIndex,
    sticky: definition.variants.map((v) => makeVariant(definition.id, v.id, v.isControl, true, "sticky")),
    ...outsideVariants(definition),
    route: undefined,
  };
}
