import {
  BackendError,
  type EventStore,
  type ExperimentDefinition,
  type ExposureRecord,
  exposureEvent,
  type OutcomeRecord,
  outcomeEvent,
  recordEvent,
  type Variant,
  validateExposure,
  validateOutcome,
} from "@assay/core";
import { AssignedContexts, type AttributedRecord } from "../contexts/assigned-contexts.js";
import {
  lookupExperiment,
  requireDeclaredVariant,
  serveExperiments,
} from "../experiments/served-variants.js";

/** An exposure that may carry the attributes it was assigned with. */
export type AttributedExposure = ExposureRecord & Pick<AttributedRecord, "attributes">;

/** An outcome that may carry the attributes its unit was assigned with. */
export type AttributedOutcome = OutcomeRecord & Pick<AttributedRecord, "attributes">;

/** What every adapter serves per experiment, whatever else its vendor needs. */
export interface ServedExperiment {
  readonly definition: ExperimentDefinition;
  /** The declared variant ids: an exposure of any other variant is refused. */
  readonly variantIds: ReadonlySet<string>;
}

/** The constructor options every adapter takes, beside its vendor's own. */
export interface VendorAdapterOptions {
  /** Name reported by the plugin (the manifest entry's name). Defaults to the vendor's name. */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes are stored, for Assay's own analysis. */
  readonly store: EventStore;
  /** How many assign-time contexts to keep (see `AssignedContexts`). */
  readonly contextMemory?: number | undefined;
}

/**
 * How one vendor re-evaluates an exposure and forwards it (see `VendorAdapter.forwardExposure`). `U` is the
 * vendor's user (the unit, its ids and attributes as its SDK takes them).
 */
export interface ExposureForwarding<S extends ServedExperiment, C, U> {
  /** The vendor user of a record, with the attributes `assign` saw; undefined when the record has no unit. */
  userOf(served: S, record: AttributedRecord): U | undefined;
  /** The SDK's answer for that user now, as an Assay variant. */
  evaluate(served: S, user: U): Variant;
  /** Hands the exposure to the SDK (the unit is in the experiment, in the variant shown). */
  send(client: C, served: S, user: U): void;
  /** Counts an exposure the SDK could not reproduce, so was not told about. */
  untracked(): void;
}

/**
 * The skeleton the vendor adapters share: the served experiments, the event store, the assign-time contexts,
 * the SDK client once `init` started it, and the exposure/outcome flow around the vendor's own calls. A
 * subclass sets `client` in `init`, and implements `assign` and the rest of `ExperimentPlugin`.
 *
 * Why one base: four adapters held the same checks in the same order (validate, known experiment, declared
 * variant, initialised client) and the same rule that the Assay store gets every record whatever the vendor
 * was told; a copy that drifted would store or forward differently per vendor.
 */
export abstract class VendorAdapter<S extends ServedExperiment, C> {
  readonly name: string;
  protected readonly store: EventStore;
  protected readonly served: ReadonlyMap<string, S>;
  /** What `assign` was given, per unit, for the exposure and outcomes that follow. */
  protected readonly contexts: AssignedContexts;
  /** The vendor's SDK client, set by `init`, cleared by `close`. */
  protected client: C | undefined;

  /**
   * @param vendor the vendor's name, the default `name` and the prefix of this adapter's errors
   * @param serve turns one declared experiment into what the adapter serves (an id declared twice is a RangeError)
   */
  protected constructor(
    private readonly vendor: string,
    options: VendorAdapterOptions,
    serve: (definition: ExperimentDefinition) => S,
  ) {
    this.name = options.name ?? vendor;
    this.store = options.store;
    this.contexts = new AssignedContexts(options.contextMemory);
    this.served = serveExperiments(options.experiments, serve);
  }

  /** What this adapter serves for `experiment`, or EXPERIMENT_NOT_FOUND. */
  protected lookup(experiment: string): S {
    return lookupExperiment(this.served, experiment);
  }

  /** The SDK client, or a BackendError naming the adapter when `init` has not run (or `close` has). */
  protected requireClient(): C {
    if (this.client === undefined)
      throw new BackendError(`${this.vendor}: ${this.name} is not initialised (call init)`);
    return this.client;
  }

  /**
   * Checks an exposure (its fields, a known experiment, a declared variant) and returns what the adapter
   * serves for its experiment. Throws the record's validation error, EXPERIMENT_NOT_FOUND or INVALID_CONTEXT.
   */
  protected declaredExposure(exposure: AttributedExposure): S {
    validateExposure(exposure);
    const served = this.lookup(exposure.experiment);
    requireDeclaredVariant(exposure.experiment, served.variantIds, exposure.variantId);
    return served;
  }

  /**
   * Records an exposure through the vendor: after `declaredExposure` and an initialised client, the unit's
   * vendor user (from the context `assign` last saw, or the record's attributes) is evaluated again, and the
   * SDK is told only when it puts the unit in the experiment in the variant shown; otherwise `untracked`
   * counts it, so the vendor never hears of a variant the unit was not shown. The exposure is stored either way.
   */
  protected async forwardExposure<U>(
    exposure: AttributedExposure,
    vendor: ExposureForwarding<S, C, U>,
  ): Promise<void> {
    const served = this.declaredExposure(exposure);
    const client = this.requireClient();
    const user = vendor.userOf(served, exposure);
    const variant = user === undefined ? undefined : vendor.evaluate(served, user);
    if (user !== undefined && variant?.inExperiment && variant.variantId === exposure.variantId) {
      vendor.send(client, served, user);
    } else {
      vendor.untracked();
    }
    await recordEvent(this.store, exposureEvent(exposure));
  }

  /**
   * Records an outcome through the vendor: after validation, a known experiment and an initialised client,
   * `send` hands it to the SDK (or decides not to); the outcome is stored either way.
   */
  protected async forwardOutcome(
    outcome: AttributedOutcome,
    send: (client: C, served: S) => void,
  ): Promise<void> {
    validateOutcome(outcome);
    const served = this.lookup(outcome.experiment);
    send(this.requireClient(), served);
    await recordEvent(this.store, outcomeEvent(outcome));
  }
}
