import {
  type AttributedExposure,
  type AttributedOutcome,
  readJsonFile,
  VendorAdapter,
} from "@assay/adapter-core";
import {
  BackendError,
  describe,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPlugin,
  exposureEvent,
  InvalidContextError,
  makeVariant,
  recordEvent,
  type Variant,
} from "@assay/core";
import { posthog } from "@assay/hashing";
import { matchFeatureFlagProperty } from "@posthog/core";
import {
  type FlagDefinitionCacheData,
  type FlagDefinitionCacheInput,
  type FlagDefinitionCacheProvider,
  PostHog,
} from "posthog-node";
import type { PostHogPluginOptions } from "./options.js";

/** A flag definition as the local-evaluation endpoint sends it (the parts read here). */
type FlagDefinition = posthog.FlagDefinition & { readonly id?: number; readonly version?: number };

/** One Assay experiment bound to a PostHog flag. */
interface Served {
  readonly definition: ExperimentDefinition;
  readonly flagKey: string;
  readonly variantIds: ReadonlySet<string>;
  readonly enrolled: ReadonlyMap<string, Variant>;
  readonly anonymous: Variant;
  readonly outside: Variant;
  readonly disabled: Variant;
  flag: FlagDefinition | undefined;
  compiled: posthog.CompiledFlag | undefined;
}

/** Constructor options: the plugin options plus the experiments to serve and the event store. */
export interface PostHogBackendOptions extends PostHogPluginOptions {
  /** Name reported by the plugin (the manifest entry's name). Default "posthog". */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes are also stored, for Assay's own analysis. */
  readonly store: EventStore;
}

/**
 * posthog-node's cache provider hook, used to receive every set of flag definitions the SDK fetches (with the
 * personal API key, on its polling interval), or to hand it fixed definitions.
 */
class DefinitionsHook implements FlagDefinitionCacheProvider<FlagDefinitionCacheInput> {
  data: FlagDefinitionCacheInput | undefined;
  constructor(
    private readonly fixed: FlagDefinitionCacheInput | undefined,
    private readonly onData: (data: FlagDefinitionCacheInput) => void,
  ) {
    this.data = fixed;
  }
  getFlagDefinitions(): FlagDefinitionCacheInput | undefined {
    return this.data;
  }
  shouldFetchFlagDefinitions(): boolean {
    return this.fixed === undefined;
  }
  onFlagDefinitionsReceived(data: FlagDefinitionCacheData): void {
    this.data = data;
    this.onData(data);
  }
  shutdown(): void {}
}

/**
 * An Assay experiment backend over posthog-node with local evaluation. The SDK fetches the flag definitions
 * (personal API key, polled) and carries every event; each Assay experiment is a multivariate flag whose
 * variant keys are the Assay variant ids. `assign` is synchronous: it evaluates the loaded definition with
 * PostHog's bucketing (`@assay/hashing`'s `posthog`, bit-exact with posthog-node) and PostHog's own property
 * matcher (`@posthog/core`) on the context's attributes as person properties. `recordExposure` sends PostHog's
 * `$feature_flag_called` through the SDK's own flag evaluation; outcomes are captured as events carrying
 * experiment, variant, metric and value. Both use the attributes `assign` was given (remembered per experiment
 * and unit, or carried on the record), and both also go to the Assay event store.
 */
export class PostHogBackend extends VendorAdapter<Served, PostHog> implements ExperimentPlugin {
  private readonly options: PostHogBackendOptions;
  private groupTypes: Readonly<Record<string, string>> = {};
  private loaded = false;

  constructor(options: PostHogBackendOptions) {
    super("posthog", options, (definition) =>
      serve(definition, options.flagKeys?.[definition.id] ?? definition.id),
    );
    this.options = options;
  }

  /** Loads the flag definitions (fetched by posthog-node, or given) and checks every experiment's flag. */
  async init(): Promise<void> {
    if (this.client) return;
    const o = this.options;
    let fixed = o.definitions;
    if (fixed === undefined && o.definitionsFile !== undefined) {
      fixed = (await readJsonFile(o.definitionsFile, {
        baseDir: o.baseDir,
        vendor: "posthog",
        what: "flag definitions",
      })) as FlagDefinitionCacheInput;
    }
    if (fixed === undefined && o.personalApiKey === undefined) {
      throw new BackendError("posthog: give a personal API key (local evaluation) or flag definitions");
    }
    const hook = new DefinitionsHook(fixed, (data) => this.load(data, false));
    const client = new PostHog(o.projectApiKey, {
      host: o.host ?? "https://us.i.posthog.com",
      ...(o.personalApiKey === undefined ? {} : { personalApiKey: o.personalApiKey }),
      enableLocalEvaluation: true,
      featureFlagsPollingInterval: (o.pollingIntervalSeconds ?? 30) * 1000,
      flagDefinitionCacheProvider: hook,
      flushAt: o.flushAt ?? 20,
      flushInterval: (o.flushIntervalSeconds ?? 10) * 1000,
      ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
    });
    this.client = client;
    const ready = await client.waitForLocalEvaluationReady((o.timeoutSeconds ?? 10) * 1000);
    const data = hook.data;
    if (!ready || data === undefined) {
      await client.shutdown();
      this.client = undefined;
      throw new BackendError(
        `posthog: no flag definitions from ${o.host ?? "https://us.i.posthog.com"} within the timeout`,
      );
    }
    try {
      this.load(data, true);
    } catch (error) {
      await client.shutdown();
      this.client = undefined;
      throw error;
    }
  }

  assign(experiment: string, ctx: ExperimentContext): Variant {
    const served = this.lookup(experiment);
    if (typeof ctx !== "object" || ctx === null) {
      throw new InvalidContextError(`context must be an object, got ${describe(ctx)}`);
    }
    const variant = this.variantFor(served, ctx);
    if (variant.reason !== "disabled" && variant.reason !== "anonymous")
      this.contexts.remember(experiment, ctx);
    return variant;
  }

  /** The variant of one unit, without remembering its context. */
  private variantFor(served: Served, ctx: ExperimentContext): Variant {
    const definition = served.definition;
    if (!definition.enabled) return served.disabled;
    const attributes: unknown = ctx.attributes;
    if (typeof attributes !== "object" || attributes === null) {
      throw new InvalidContextError(`context.attributes must be an object, got ${describe(attributes)}`);
    }
    const attrs = attributes as Readonly<Record<string, string>>;
    const unit =
      definition.unit === "user"
        ? ctx.userId
        : definition.unit === "session"
          ? ctx.sessionId
          : attrs[definition.unit];
    if (unit === undefined) return served.anonymous;
    if (typeof unit !== "string" || unit.length === 0) {
      throw new InvalidContextError(
        `context unit of experiment ${definition.id} must be a non-empty string, got ${describe(unit)}`,
      );
    }
    if (!this.loaded) throw new BackendError(`posthog: ${this.name} is not initialised (call init)`);
    const { flag, compiled } = served;
    if (flag === undefined || compiled === undefined) return served.outside;
    const bucketing = posthog.bucketingValueFor(flag, {
      distinctId: unit,
      deviceId: attrs.$device_id ?? attrs.device_id,
      groups: attrs,
      groupTypeMapping: this.groupTypes,
    });
    if (bucketing === undefined) return served.outside;
    const value = compiled.evaluate(bucketing, (condition) => matchesProperties(condition, attrs));
    return typeof value === "string" ? (served.enrolled.get(value) ?? served.outside) : served.outside;
  }

  /**
   * Records an exposure: posthog-node evaluates the flag with the attributes `assign` last saw for the unit
   * (or the record's own `attributes`) as person properties and groups, and sends `$feature_flag_called`; the
   * exposure is stored.
   */
  async recordExposure(exposure: AttributedExposure): Promise<void> {
    const served = this.declaredExposure(exposure);
    const client = this.requireClient();
    const distinctId = (exposure.userId ?? exposure.sessionId)!;
    // PostHog's own exposure: reading the flag from an evaluateFlags snapshot makes posthog-node send
    // `$feature_flag_called` with its properties (and its per-user dedupe).
    const flags = await client.evaluateFlags(distinctId, {
      flagKeys: [served.flagKey],
      onlyEvaluateLocally: true,
      ...this.evaluationContext(this.contexts.attributesFor(exposure)),
    });
    if (flags.getFlag(served.flagKey, { sendFeatureFlagEvents: false }) === exposure.variantId) {
      flags.getFlag(served.flagKey, { sendFeatureFlagEvents: true });
    } else {
      // The SDK cannot see what decided the variant (the unit's context forgotten and the record carrying no
      // attributes, or definitions that changed since assign): send the same event with the variant shown.
      client.capture({
        distinctId,
        event: "$feature_flag_called",
        timestamp: exposure.timestamp,
        ...uuidOf(exposure.eventId),
        properties: {
          $feature_flag: served.flagKey,
          $feature_flag_response: exposure.variantId,
          $feature_flag_id: served.flag?.id,
          $feature_flag_version: served.flag?.version,
          locally_evaluated: true,
          [`$feature/${served.flagKey}`]: exposure.variantId,
        },
      });
    }
    await recordEvent(this.store, exposureEvent(exposure));
  }

  /**
   * Captures an outcome as a PostHog event labelled with the unit's variant, evaluated with the attributes
   * `assign` last saw for the unit (or the record's own `attributes`), and stores it.
   */
  recordOutcome(outcome: AttributedOutcome): Promise<void> {
    return this.forwardOutcome(outcome, (client, served) => this.captureOutcome(client, served, outcome));
  }

  /** The outcome as a PostHog event labelled with the unit's variant now. */
  private captureOutcome(client: PostHog, served: Served, outcome: AttributedOutcome): void {
    const distinctId = (outcome.userId ?? outcome.sessionId)!;
    const assigned = this.variantFor(served, {
      ...(outcome.userId === undefined ? {} : { userId: outcome.userId }),
      ...(outcome.sessionId === undefined ? {} : { sessionId: outcome.sessionId }),
      attributes: this.contexts.attributesFor(outcome),
    });
    const variant = assigned.inExperiment ? assigned.variantId : null;
    client.capture({
      distinctId,
      event: outcome.metric,
      timestamp: outcome.timestamp,
      ...uuidOf(outcome.eventId),
      properties: {
        experiment: outcome.experiment,
        variant,
        metric: outcome.metric,
        value: typeof outcome.value.value === "boolean" ? Number(outcome.value.value) : outcome.value.value,
        value_kind: outcome.value.kind,
        [`$feature/${served.flagKey}`]: variant,
      },
    });
  }

  /** Sends every queued PostHog event, then flushes the event store. */
  async flush(): Promise<void> {
    await this.client?.flush();
    await this.store.flush?.();
  }

  /** Drains and stops posthog-node (its queue and poller). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.shutdown();
  }

  /**
   * The attributes as posthog-node reads them, the way `assign` reads them: person properties (with
   * `$device_id` from `device_id` when only that is given), and the groups of the known group types with their
   * properties.
   */
  private evaluationContext(attributes: Readonly<Record<string, string>>): {
    personProperties: Record<string, string>;
    groups?: Record<string, string>;
    groupProperties?: Record<string, Record<string, string>>;
  } {
    const personProperties: Record<string, string> = { ...attributes };
    const device = attributes.$device_id ?? attributes.device_id;
    if (device !== undefined) personProperties.$device_id = device;
    const groups: Record<string, string> = {};
    const groupProperties: Record<string, Record<string, string>> = {};
    for (const name of Object.values(this.groupTypes)) {
      const key = attributes[name];
      if (typeof key !== "string" || !Object.hasOwn(attributes, name)) continue;
      groups[name] = key;
      groupProperties[name] = personProperties;
    }
    return Object.keys(groups).length === 0
      ? { personProperties }
      : { personProperties, groups, groupProperties };
  }

  /** Binds every experiment to its flag in `data`; on the first load a missing or mismatched flag is an error. */
  private load(data: FlagDefinitionCacheInput, strict: boolean): void {
    const flags = new Map((data.flags as unknown as FlagDefinition[]).map((f) => [f.key, f]));
    this.groupTypes = (data.group_type_mapping ?? data.groupTypeMapping ?? {}) as Record<string, string>;
    const problems: string[] = [];
    for (const served of this.served.values()) {
      const flag = flags.get(served.flagKey);
      served.flag = undefined;
      served.compiled = undefined;
      if (flag === undefined) {
        problems.push(`no flag ${JSON.stringify(served.flagKey)} (for ${served.definition.id})`);
        continue;
      }
      const keys = (flag.filters?.multivariate?.variants ?? []).map((v) => v.key);
      const missing = keys.filter((k) => !served.variantIds.has(k));
      if (keys.length < 2 || missing.length > 0 || keys.length !== served.variantIds.size) {
        problems.push(
          `flag ${served.flagKey} has variants [${keys.join(", ")}], ${served.definition.id} declares [${[...served.variantIds].join(", ")}]: the variant ids must be the flag's variant keys`,
        );
        continue;
      }
      try {
        served.compiled = posthog.compileFlag(flag);
        served.flag = flag;
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    this.loaded = true;
    if (strict && problems.length > 0) throw new BackendError(`posthog: ${problems.join("; ")}`);
  }
}

interface PropertyFilter {
  readonly key: string;
  readonly value: unknown;
  readonly operator?: string;
  readonly type?: string;
  readonly negation?: boolean;
}

/**
 * A condition's property filters (AND) against the context's attributes as person properties, with PostHog's
 * own matcher. Cohorts, flag dependencies and properties the context does not carry do not match (posthog-node
 * would ask PostHog's servers).
 */
function matchesProperties(
  condition: posthog.Condition,
  attributes: Readonly<Record<string, string>>,
): boolean {
  for (const raw of condition.properties ?? []) {
    const p = raw as PropertyFilter;
    if (p.type === "cohort" || p.type === "flag") return false;
    let matched: boolean;
    try {
      matched = matchFeatureFlagProperty(
        {
          key: p.key,
          value: p.value as never,
          ...(p.operator === undefined ? {} : { operator: p.operator }),
        },
        attributes,
      );
    } catch {
      return false;
    }
    if (matched === Boolean(p.negation)) return false;
  }
  return true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PostHog accepts only UUIDs as event ids: an Assay eventId that is one is kept (PostHog dedupes on it). */
function uuidOf(eventId: string | undefined): { uuid?: string } {
  return eventId !== undefined && UUID.test(eventId) ? { uuid: eventId } : {};
}

function serve(definition: ExperimentDefinition, flagKey: string): Served {
  const control = definition.variants.find((v) => v.isControl) ?? definition.variants[0];
  if (control === undefined) throw new RangeError(`experiment ${definition.id} has no variants`);
  const out = (reason: Variant["reason"]) => makeVariant(definition.id, control.id, true, false, reason);
  return {
    definition,
    flagKey,
    variantIds: new Set(definition.variants.map((v) => v.id)),
    enrolled: new Map(
      definition.variants.map((v) => [v.id, makeVariant(definition.id, v.id, v.isControl, true, "hash")]),
    ),
    anonymous: out("anonymous"),
    outside: out("traffic"),
    disabled: out("disabled"),
    flag: undefined,
    compiled: undefined,
  };
}
