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
  type Variant,
} from "@assay/core";
import { type Experiment, Statsig, type StatsigOptions, type StatsigUser } from "@statsig/statsig-node-core";
import type { StatsigPluginOptions } from "./options.js";
import { SpecsDataStore } from "./specs-store.js";
import { statsigUser } from "./statsig-user.js";

/** Rules ahead of an experiment's groups that keep a unit out because of who it is, not because of its hash. */
const TARGETING_RULES = new Set(["targetingGate", "inlineTargetingRules"]);

/** One Assay experiment bound to a Statsig experiment. */
interface Served {
  readonly definition: ExperimentDefinition;
  readonly statsigName: string;
  readonly variantIds: ReadonlySet<string>;
  readonly byGroup: ReadonlyMap<string, Variant>;
  readonly anonymous: Variant;
  readonly outside: Variant;
  readonly targeted: Variant;
  readonly disabled: Variant;
  /** The experiment's group rules (rule id -> variant), from the specs in use. */
  byRule: ReadonlyMap<string, Variant>;
  /** The experiment's Statsig id type when it is not `userID`. */
  customIdType: string | undefined;
}

/** Constructor options: the plugin options plus the experiments to serve and the event store. */
export interface StatsigBackendOptions extends StatsigPluginOptions {
  /** Name reported by the plugin (the manifest entry's name). Default "statsig". */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes are also stored, for Assay's own analysis. */
  readonly store: EventStore;
}

/** How many exposures reached Statsig, and how many it could not attribute (see `recordExposure`). */
export interface StatsigExposureStats {
  readonly logged: number;
  readonly untracked: number;
}

/**
 * An Assay experiment backend over Statsig's server SDK, `@statsig/statsig-node-core`. The SDK loads the
 * config specs (fetched from Statsig with the server secret, or read from a payload or file through its
 * data-store adapter), refreshes them on its sync interval and evaluates locally: `assign` is the SDK's own
 * `getExperiment` with exposure logging off, so it records nothing. Each Assay variant id is a Statsig group
 * name. `recordExposure` has the SDK log its own exposure (`manuallyLogExperimentExposure`) for the context
 * `assign` was given, attributes included; outcomes are `logEvent`s labelled with the unit's group. Both also
 * go to the Assay event store; `flush` and `close` flush the SDK's event queue.
 */
export class StatsigBackend extends VendorAdapter<Served, Statsig> implements ExperimentPlugin {
  private readonly options: StatsigBackendOptions;
  private logged = 0;
  private untracked = 0;
  /** The SDK's own exposure, for a unit it puts in the variant shown. */
  private readonly exposures: ExposureForwarding<Served, Statsig, StatsigUser> = {
    userOf: (served, record) => this.recordUser(served, record),
    evaluate: (served, user) => this.classify(served, this.evaluate(served, user)),
    send: (client, served, user) => {
      client.manuallyLogExperimentExposure(user, served.statsigName);
      this.logged++;
    },
    untracked: () => {
      this.untracked++;
    },
  };

  constructor(options: StatsigBackendOptions) {
    super("statsig", options, (definition) =>
      serve(definition, options.experimentNames?.[definition.id] ?? definition.id),
    );
    this.options = options;
  }

  /** Starts the SDK, waits for the specs, and checks every declared experiment against them. */
  async init(): Promise<void> {
    if (this.client) return;
    const o = this.options;
    if (o.serverSecret === "") throw new BackendError("statsig: a server secret is required");
    const dataStore =
      o.specs !== undefined
        ? SpecsDataStore.fromSpecs(o.specs)
        : o.specsFile !== undefined
          ? SpecsDataStore.fromFile(o.specsFile, o.baseDir ?? process.cwd(), allowsOutsideFiles())
          : undefined;
    // a file that cannot be read or parsed fails here, naming the file, before the SDK starts (the SDK would
    // only say "no values", and report its own failure to Statsig)
    dataStore?.check();
    const timeoutMs = (o.timeoutSeconds ?? 10) * 1000;
    const sdkOptions: StatsigOptions = {
      outputLogLevel: o.logLevel ?? "error",
      specsSyncIntervalMs: (o.syncIntervalSeconds ?? 10) * 1000,
      initTimeoutMs: timeoutMs,
      ...(dataStore === undefined
        ? {}
        : { dataStore, specAdaptersConfig: [{ adapterType: "data_store", initTimeoutMs: timeoutMs }] }),
      ...(o.specsUrl === undefined ? {} : { specsUrl: o.specsUrl }),
      ...(o.logEventUrl === undefined ? {} : { logEventUrl: o.logEventUrl }),
      ...(o.flushIntervalSeconds === undefined
        ? {}
        : { eventLoggingFlushIntervalMs: o.flushIntervalSeconds * 1000 }),
      ...(o.environment === undefined ? {} : { environment: o.environment }),
    };
    const client = new Statsig(o.serverSecret, sdkOptions);
    const result = await client.initialize();
    if (!result?.isSuccess || !this.bind(client, true)) {
      const why = dataStore?.lastError?.message ?? result?.error ?? "no specs";
      await client.shutdown();
      throw new BackendError(
        `statsig: no config specs from ${describeSource(o)}: ${why}${this.problems.length > 0 ? `; ${this.problems.join("; ")}` : ""}`,
      );
    }
    // the SDK refreshes the specs itself; rebind the group rules whenever it does
    client.subscribe("specs_updated", () => this.bind(client, false));
    this.client = client;
  }

  assign(experiment: string, ctx: ExperimentContext): Variant {
    const served = this.lookup(experiment);
    const checked = checkedUnit(served.definition, ctx);
    if (checked === "disabled") return served.disabled;
    if (checked === "anonymous") return served.anonymous;
    const user = this.userFor(served, checked.userId, checked.unit, checked.attributes);
    const variant = this.classify(served, this.evaluate(served, user));
    this.contexts.remember(experiment, ctx);
    return variant;
  }

  /**
   * Records an exposure: the SDK evaluates the unit with the context `assign` last saw for it (or the
   * record's own `attributes`) and, when it reproduces the variant shown, logs its own exposure event. The
   * exposure is stored either way; one the SDK cannot reproduce (the context forgotten and the record
   * carrying no attributes, or specs changed since `assign`) is counted in `exposureStats.untracked`, never
   * sent to Statsig as a group the unit was not shown.
   */
  recordExposure(exposure: AttributedExposure): Promise<void> {
    return this.forwardExposure(exposure, this.exposures);
  }

  /**
   * Logs an outcome as a Statsig event (`logEvent`: the metric as event name, its value, and metadata naming
   * the experiment and the unit's group, evaluated with the context `assign` was given), and stores it.
   */
  recordOutcome(outcome: AttributedOutcome): Promise<void> {
    return this.forwardOutcome(outcome, (client, served) => {
      const user = this.recordUser(served, outcome);
      if (user === undefined) return;
      const variant = this.classify(served, this.evaluate(served, user));
      const value = outcome.value.value;
      client.logEvent(user, outcome.metric, typeof value === "boolean" ? Number(value) : value, {
        experiment: served.statsigName,
        assay_experiment: outcome.experiment,
        group: variant.inExperiment ? variant.variantId : null,
        value_kind: outcome.value.kind,
      });
    });
  }

  /** Sends the SDK's queued events, then flushes the event store. */
  async flush(): Promise<void> {
    await this.client?.flushEvents();
    await this.store.flush?.();
  }

  /** Shuts the SDK down: its queued events are flushed, its background sync stopped. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.shutdown();
  }

  /** Exposures logged through the SDK, and those it could not attribute to the variant shown. */
  get exposureStats(): StatsigExposureStats {
    return { logged: this.logged, untracked: this.untracked };
  }

  private problems: string[] = [];

  /**
   * Binds every experiment to its groups in the specs the SDK holds: the variant ids must be the group
   * names, the unit the experiment's id type. On the first load (`strict`) a problem fails `init`; on a
   * refresh an experiment that lost its groups serves control (the SDK's default) until they return.
   */
  private bind(client: Statsig, strict: boolean): boolean {
    const problems: string[] = [];
    for (const served of this.served.values()) {
      const found = client.getExperimentGroups(served.statsigName);
      // a rule marked as a group without a group name (seen in statsig-node's own test payload) is no group
      const groups = (found?.groups ?? []).filter((g) => g.groupName !== "");
      if (found?.isExperimentActive === undefined || groups.length === 0) {
        problems.push(`no experiment ${JSON.stringify(served.statsigName)} (for ${served.definition.id})`);
        served.byRule = new Map();
        continue;
      }
      const names = groups.map((g) => g.groupName);
      const missing = names.filter((n) => !served.variantIds.has(n));
      if (missing.length > 0 || new Set(names).size !== served.variantIds.size) {
        problems.push(
          `experiment ${served.statsigName} has groups [${names.join(", ")}], ${served.definition.id} declares [${[...served.variantIds].join(", ")}]: the variant ids must be the group names`,
        );
        if (strict) continue;
      }
      const idType = groups[0]?.idType ?? "userID";
      const byUserId = idType.toLowerCase() === "userid";
      if (byUserId !== (served.definition.unit === "user")) {
        problems.push(
          `experiment ${served.statsigName} is randomized by ${idType}, ${served.definition.id} by ${served.definition.unit}: use unit "user" for userID, another unit for a custom id`,
        );
        if (strict) continue;
      }
      served.customIdType = byUserId ? undefined : idType;
      served.byRule = new Map(
        groups.flatMap((g) => {
          const variant = served.byGroup.get(g.groupName);
          return variant === undefined ? [] : [[g.ruleId, variant] as const];
        }),
      );
    }
    this.problems = problems;
    return !strict || problems.length === 0;
  }

  private evaluate(served: Served, user: StatsigUser): Experiment {
    return this.requireClient().getExperiment(user, served.statsigName, { disableExposureLogging: true });
  }

  /** Statsig's answer as an Assay variant: a group rule enrolls; anything else is control, not enrolled. */
  private classify(served: Served, result: Experiment | null): Variant {
    if (result === null) return served.outside;
    const enrolled = served.byRule.get(result.ruleID);
    if (enrolled !== undefined) return enrolled;
    const reason = result.details?.reason ?? "";
    // an override (console id override, local override) or a targeting rule decided: who, not the hash
    if (
      TARGETING_RULES.has(result.ruleID) ||
      result.ruleID.includes("override") ||
      reason.includes("Override")
    ) {
      return served.targeted;
    }
    return served.outside;
  }

  private userFor(
    served: Served,
    userId: string | undefined,
    unit: string,
    attributes: Readonly<Record<string, string>>,
  ): StatsigUser {
    return statsigUser({
      userId,
      attributes,
      customIdType: served.customIdType,
      customId: served.customIdType === undefined ? undefined : unit,
    });
  }

  /** The Statsig user of an exposure or outcome, with the attributes `assign` saw; undefined without a unit. */
  private recordUser(served: Served, record: AttributedRecord): StatsigUser | undefined {
    const attributes = this.contexts.attributesFor(record);
    const ctx = { userId: record.userId, sessionId: record.sessionId, attributes };
    const unit = unitOf(served.definition, ctx, attributes);
    if (typeof unit !== "string" || unit === "") return undefined;
    return this.userFor(served, record.userId, unit, attributes);
  }
}

function describeSource(o: StatsigPluginOptions): string {
  if (o.specs !== undefined) return "the specs given";
  if (o.specsFile !== undefined) return o.specsFile;
  return o.specsUrl ?? "Statsig's CDN";
}

function serve(definition: ExperimentDefinition, statsigName: string): Served {
  return {
    definition,
    statsigName,
    variantIds: new Set(definition.variants.map((v) => v.id)),
    byGroup: new Map(
      definition.variants.map((v) => [v.id, makeVariant(definition.id, v.id, v.isControl, true, "hash")]),
    ),
    ...outsideVariants(definition),
    byRule: new Map(),
    customIdType: undefined,
  };
}
