import {
  type AttributedExposure,
  type AttributedOutcome,
  type AttributedRecord,
  checkedUnit,
  type ExposureForwarding,
  outsideVariants,
  unitOf,
  VendorAdapter,
} from "@assay/adapter-core";
import {
  allowsOutsideFiles,
  BackendError,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPlugin,
  makeVariant,
  readContainedFile,
  type Variant,
} from "@assay/core";
import {
  type Client,
  createBatchEventProcessor,
  createInstance,
  createPollingProjectConfigManager,
  createStaticProjectConfigManager,
  eventDispatcher as defaultDispatcher,
  type EventDispatcher,
  NOTIFICATION_TYPES,
} from "@optimizely/optimizely-sdk";
import { type DatafileExperiment, datafileEventKeys, datafileExperiments } from "./datafile.js";
import type { OptimizelyAttributeType, OptimizelyPluginOptions } from "./options.js";

/** Optimizely's control attribute: bucket by this value instead of the user id. */
const BUCKETING_ID = "$opt_bucketing_id";

/** One Assay experiment bound to an Optimizely experiment. */
interface Served {
  readonly definition: ExperimentDefinition;
  readonly experimentKey: string;
  readonly variantIds: ReadonlySet<string>;
  readonly byKey: ReadonlyMap<string, Variant>;
  readonly anonymous: Variant;
  readonly outside: Variant;
  readonly targeted: Variant;
  readonly disabled: Variant;
  /** The experiment in the datafile in use (forced users), undefined when it is not there. */
  found: DatafileExperiment | undefined;
}

/** Constructor options: the plugin options plus the experiments to serve and the event store. */
export interface OptimizelyBackendOptions extends OptimizelyPluginOptions {
  /** Name reported by the plugin (the manifest entry's name). Default "optimizely". */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes are also stored, for Assay's own analysis. */
  readonly store: EventStore;
}

/** What reached Optimizely, and what it was not told (see `recordExposure`, `recordOutcome`). */
export interface OptimizelyEventStats {
  readonly impressions: number;
  readonly untrackedExposures: number;
  readonly conversions: number;
  /** Outcomes whose metric is no event key of the datafile: stored, not sent. */
  readonly untrackedOutcomes: number;
}

/** Who the SDK sees for one evaluation: its user id and attributes. */
interface OptimizelyUser {
  readonly userId: string;
  readonly attributes: Record<string, string | number | boolean>;
}

/**
 * An Assay experiment backend over the Optimizely Feature Experimentation SDK (`@optimizely/optimizely-sdk`).
 * The SDK holds the datafile (downloaded with the SDK key and polled, or given / read from a file) and
 * evaluates it: `assign` is the SDK's `getVariation` for the Optimizely experiment mapped to the Assay id
 * (synchronous; it sends nothing), each Assay variant id a variation key. `recordExposure` is the SDK's
 * `activate`, whose impression event goes through the SDK's batch event processor and event dispatcher; it
 * uses the context `assign` was given, attributes included. Outcomes are the SDK's `track` conversions. Both
 * also go to the Assay event store; `close` flushes the SDK's event batch.
 */
export class OptimizelyBackend extends VendorAdapter<Served, Client> implements ExperimentPlugin {
  private readonly options: OptimizelyBackendOptions;
  private eventKeys = new Set<string>();
  private stats = { impressions: 0, untrackedExposures: 0, conversions: 0, untrackedOutcomes: 0 };
  /** The SDK's `activate` impression, for a unit it buckets into the variant shown. */
  private readonly exposures: ExposureForwarding<Served, Client, OptimizelyUser> = {
    userOf: (served, record) => this.recordUser(served, record),
    evaluate: (served, user) => this.evaluate(served, user),
    send: (client, served, user) => {
      client.activate(served.experimentKey, user.userId, user.attributes);
      this.stats.impressions++;
    },
    untracked: () => {
      this.stats.untrackedExposures++;
    },
  };

  constructor(options: OptimizelyBackendOptions) {
    super("optimizely", options, (definition) =>
      serve(definition, options.experimentKeys?.[definition.id] ?? definition.id),
    );
    this.options = options;
  }

  /** Starts the SDK, waits for the datafile, and checks every declared experiment against it. */
  async init(): Promise<void> {
    if (this.client) return;
    const o = this.options;
    const datafile = this.initialDatafile();
    if (datafile === undefined && o.sdkKey === undefined) {
      throw new BackendError("optimizely: give an SDK key, a datafile, or a datafile file");
    }
    const projectConfigManager =
      o.sdkKey === undefined
        ? createStaticProjectConfigManager({ datafile: datafile! })
        : createPollingProjectConfigManager({
            sdkKey: o.sdkKey,
            autoUpdate: true,
            ...(datafile === undefined ? {} : { datafile }),
            ...(o.datafileUrl === undefined ? {} : { urlTemplate: o.datafileUrl }),
            ...(o.pollingIntervalSeconds === undefined
              ? {}
              : { updateInterval: o.pollingIntervalSeconds * 1000 }),
          });
    const dispatcher = o.eventDispatcher ?? (o.eventUrl === undefined ? undefined : relayTo(o.eventUrl));
    const client = createInstance({
      projectConfigManager,
      eventProcessor: createBatchEventProcessor({
        ...(dispatcher === undefined ? {} : { eventDispatcher: dispatcher }),
        ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
        ...(o.flushIntervalSeconds === undefined ? {} : { flushInterval: o.flushIntervalSeconds * 1000 }),
      }),
    });
    try {
      await client.onReady({ timeout: (o.timeoutSeconds ?? 10) * 1000 });
    } catch (error) {
      await client.close();
      throw new BackendError(
        `optimizely: no datafile from ${o.sdkKey === undefined ? "the datafile given" : (o.datafileUrl ?? "Optimizely's CDN")}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const problems = this.bind(client);
    if (problems.length > 0) {
      await client.close();
      throw new BackendError(`optimizely: ${problems.join("; ")}`);
    }
    // the SDK replaces the datafile when its poll brings a new revision: rebind the experiments then
    client.notificationCenter.addNotificationListener(NOTIFICATION_TYPES.OPTIMIZELY_CONFIG_UPDATE, () => {
      this.bind(client);
    });
    this.client = client;
  }

  assign(experiment: string, ctx: ExperimentContext): Variant {
    const served = this.lookup(experiment);
    const checked = checkedUnit(served.definition, ctx);
    if (checked === "disabled") return served.disabled;
    if (checked === "anonymous") return served.anonymous;
    const user = optimizelyUser(
      checked.userId,
      checked.unit,
      checked.attributes,
      this.options.attributeTypes,
    );
    const variant = this.evaluate(served, user);
    this.contexts.remember(experiment, ctx);
    return variant;
  }

  /**
   * Records an exposure: when the SDK, given the context `assign` last saw for the unit (or the record's own
   * `attributes`), buckets the unit into the variant shown, the SDK's `activate` sends its impression. The
   * exposure is stored either way; one the SDK cannot reproduce (the context forgotten and the record carrying
   * no attributes, a datafile changed since `assign`, a forced user) is counted in
   * `eventStats.untrackedExposures`, never sent as a variation the unit was not shown.
   */
  recordExposure(exposure: AttributedExposure): Promise<void> {
    return this.forwardExposure(exposure, this.exposures);
  }

  /**
   * Sends an outcome as the SDK's `track` conversion (event key = the metric, or its `eventKeys` entry; a
   * numeric or count value as the `value` tag, a boolean as the conversion alone), with the context `assign`
   * was given, and stores it. Optimizely attributes the conversion to the unit's variations itself.
   */
  recordOutcome(outcome: AttributedOutcome): Promise<void> {
    return this.forwardOutcome(outcome, (client, served) => {
      const eventKey = this.options.eventKeys?.[outcome.metric] ?? outcome.metric;
      const user = this.recordUser(served, outcome);
      if (user !== undefined && this.eventKeys.has(eventKey)) {
        const value = outcome.value.value;
        const tags: Record<string, string | number> = { assay_experiment: outcome.experiment };
        if (typeof value === "number") tags.value = value;
        client.track(eventKey, user.userId, user.attributes, tags);
        this.stats.conversions++;
      } else {
        this.stats.untrackedOutcomes++;
      }
    });
  }

  /**
   * Flushes the event store. The SDK's events leave with its batch (`batchSize`, `flushIntervalSeconds`) and
   * at `close`: the SDK has no flush of its own.
   */
  async flush(): Promise<void> {
    await this.store.flush?.();
  }

  /** Closes the SDK: its event batch is flushed through the dispatcher, its datafile polling stopped. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** Impressions and conversions handed to the SDK, and the records it was not told about. */
  get eventStats(): OptimizelyEventStats {
    return { ...this.stats };
  }

  private initialDatafile(): string | undefined {
    const o = this.options;
    if (o.datafile !== undefined)
      return typeof o.datafile === "string" ? o.datafile : JSON.stringify(o.datafile);
    if (o.datafileFile === undefined) return undefined;
    try {
      return readContainedFile(o.datafileFile, o.baseDir ?? process.cwd(), {
        allowOutside: allowsOutsideFiles(),
      });
    } catch (error) {
      throw new BackendError(
        `optimizely: cannot read the datafile ${o.datafileFile}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Binds every experiment to the datafile the SDK holds; returns what does not match it. */
  private bind(client: Client): string[] {
    const text = client.getOptimizelyConfig()?.getDatafile();
    let experiments = new Map<string, DatafileExperiment>();
    const problems: string[] = [];
    try {
      const datafile: unknown = JSON.parse(text ?? "null");
      experiments = datafileExperiments(datafile);
      this.eventKeys = datafileEventKeys(datafile);
    } catch (error) {
      problems.push((error as Error).message);
    }
    for (const served of this.served.values()) {
      const found = experiments.get(served.experimentKey);
      served.found = found;
      if (found === undefined) {
        problems.push(`no experiment ${JSON.stringify(served.experimentKey)} (for ${served.definition.id})`);
        continue;
      }
      const missing = found.variationKeys.filter((k) => !served.variantIds.has(k));
      if (missing.length > 0 || found.variationKeys.length !== served.variantIds.size) {
        problems.push(
          `experiment ${found.key} has variations [${found.variationKeys.join(", ")}], ${served.definition.id} declares [${[...served.variantIds].join(", ")}]: the variant ids must be the variation keys`,
        );
      }
    }
    return problems;
  }

  /** The SDK's variation as an Assay variant: forced users are `targeting`, no variation `traffic`. */
  private evaluate(served: Served, user: OptimizelyUser): Variant {
    if (served.found?.forced.has(user.userId)) return served.targeted;
    const key = this.requireClient().getVariation(served.experimentKey, user.userId, user.attributes);
    return (key === null ? undefined : served.byKey.get(key)) ?? served.outside;
  }

  /** The SDK user of an exposure or outcome, with the attributes `assign` saw; undefined without a unit. */
  private recordUser(served: Served, record: AttributedRecord): OptimizelyUser | undefined {
    const attributes = this.contexts.attributesFor(record);
    const unit = unitOf(served.definition, record, attributes);
    if (typeof unit !== "string" || unit === "") return undefined;
    return optimizelyUser(record.userId, unit, attributes, this.options.attributeTypes);
  }
}

/** An attribute as its declared type: a finite number, `true` / `false`, or undefined when it does not convert. */
function typedValue(value: string, type: OptimizelyAttributeType): number | boolean | undefined {
  if (type === "boolean") return value === "true" ? true : value === "false" ? false : undefined;
  const n = value.trim() === "" ? Number.NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The SDK's own HTTP dispatcher, posting every batch to `url` instead of Optimizely's event API. */
function relayTo(url: string): EventDispatcher {
  return { dispatchEvent: (event) => defaultDispatcher.dispatchEvent({ ...event, url }) };
}

/**
 * Who Optimizely sees: the context's user id with its attributes; an experiment randomized by another unit
 * (session, an attribute) is bucketed by that unit through `$opt_bucketing_id`, or, without a user id, the unit
 * is the user id.
 */
function optimizelyUser(
  userId: string | undefined,
  unit: string,
  attributes: Readonly<Record<string, string>>,
  types: Readonly<Record<string, OptimizelyAttributeType>> | undefined,
): OptimizelyUser {
  const attrs: Record<string, string | number | boolean> = { ...attributes };
  if (types !== undefined) {
    for (const [name, type] of Object.entries(types)) {
      if (!Object.hasOwn(attrs, name)) continue;
      const typed = typedValue(attributes[name]!, type);
      if (typed === undefined) delete attrs[name];
      else attrs[name] = typed;
    }
  }
  if (userId === undefined) return { userId: unit, attributes: attrs };
  if (unit !== userId) attrs[BUCKETING_ID] = unit;
  return { userId, attributes: attrs };
}

function serve(definition: ExperimentDefinition, experimentKey: string): Served {
  return {
    definition,
    experimentKey,
    variantIds: new Set(definition.variants.map((v) => v.id)),
    byKey: new Map(
      definition.variants.map((v) => [v.id, makeVariant(definition.id, v.id, v.isControl, true, "hash")]),
    ),
    ...outsideVariants(definition),
    found: undefined,
  };
}
