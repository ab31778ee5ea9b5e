import type { ExperimentDefinition } from "@assay/core";
import {
  type EvaluationContext,
  FlagNotFoundError,
  type FlagValueType,
  type Hook,
  InvalidContextError,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  ProviderNotReadyError,
  type ResolutionDetails,
  type TrackingEventDetails,
} from "@openfeature/server-sdk";
import type { AssaySource } from "../assay-source.js";
import { experimentContextOf, isContextProblem } from "../context/evaluation-context.js";
import { type AnsweredEvaluations, exposureHook } from "../exposure/exposure-hook.js";
import { trackOutcome } from "../tracking/track-outcome.js";
import { resolveExperiment } from "./resolve-experiment.js";
import { resolveFlag } from "./resolve-flag.js";

/** How an `AssayProvider` behaves. */
export interface AssayProviderOptions {
  /**
   * Record an exposure for every successful evaluation of an experiment, in the provider's `after` hook
   * (default true). False: the provider has no hooks and the app exposes with `assay.expose` itself.
   */
  readonly exposure?: boolean;
  /**
   * Close the client in `onClose` (when OpenFeature shuts down or replaces the provider). Default: true when
   * the provider was given a promise of a client (nobody else holds it), false for a client the app made.
   */
  readonly ownsClient?: boolean;
}

/**
 * An OpenFeature server provider over an Assay client, so an app written against `@openfeature/server-sdk`
 * evaluates the manifest's experiments and flags unchanged. A key that names an experiment is assigned
 * (`assay.assign`; an experiment wins over a flag of the same key), else a declared flag is evaluated
 * (`assay.flags`), else FLAG_NOT_FOUND. Errors are the SDK's error classes, so the SDK serves the caller's
 * default with the error code. `track` records Assay outcomes. A change of the client's manifest (a reload)
 * is noticed at the next evaluation and emitted as ConfigurationChanged.
 *
 * @example
 * await OpenFeature.setProviderAndWait(new AssayProvider(await createAssay({ manifest: "assay.toml" })));
 */
export class AssayProvider implements Provider {
  readonly metadata = { name: "assay" } as const;
  readonly runsOn = "server";
  readonly events = new OpenFeatureEventEmitter();
  /** The exposure hook (see `AssayProviderOptions.exposure`), run by the SDK after each evaluation. */
  readonly hooks: Hook[];

  #assay: AssaySource | undefined;
  readonly #pending: Promise<AssaySource> | undefined;
  readonly #owns: boolean;
  readonly #answered: AnsweredEvaluations = new WeakMap();
  #experiments: ReadonlyMap<string, ExperimentDefinition> | undefined;
  #indexedVersion: string | undefined;

  /** Over a client from `createAssay`, or a promise of one (awaited by `initialize`). */
  constructor(assay: AssaySource | Promise<AssaySource>, options: AssayProviderOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`AssayProvider: options must be an object, got ${String(options)}`);
    }
    if (assay instanceof Promise) {
      this.#pending = assay;
      // initialize awaits it and reports a rejection as the provider's ERROR; this only keeps a rejection
      // that comes before OpenFeature calls initialize from being an unhandled one (which ends a process).
      assay.catch(() => {});
    } else if (typeof assay !== "object" || assay === null || typeof assay.assign !== "function") {
      throw new TypeError(
        `AssayProvider: needs a client from createAssay (or a promise of one), got ${assay === null ? "null" : typeof assay}`,
      );
    } else this.#assay = assay;
    this.#owns = options.ownsClient ?? this.#pending !== undefined;
    this.hooks = options.exposure === false ? [] : [exposureHook(() => this.#client(), this.#answered)];
  }

  /** Waits for the client when the provider was given a promise of one; the SDK then reports READY. */
  async initialize(): Promise<void> {
    if (this.#assay === undefined && this.#pending !== undefined) this.#assay = await this.#pending;
  }

  /** Closes the client if the provider owns it (flushing its pending exposures and outcomes first). */
  async onClose(): Promise<void> {
    if (this.#owns) await this.#assay?.close();
  }

  /** A boolean flag, or an experiment whose variant values are booleans. */
  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.#resolve(flagKey, "boolean", defaultValue, context);
  }

  /** A string flag, or an experiment (its variant values, or its variant ids when they have none). */
  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.#resolve(flagKey, "string", defaultValue, context);
  }

  /** An experiment whose variant values are numbers (flags are boolean or string: TYPE_MISMATCH). */
  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.#resolve(flagKey, "number", defaultValue, context);
  }

  /** An experiment whose variant values are tables or lists (flags: TYPE_MISMATCH). */
  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.#resolve(flagKey, "object", defaultValue, context);
  }

  /**
   * Records `trackingEventName` as an Assay outcome of the unit in `context` (see `trackOutcome`:
   * `details.value` is the value, `details.experiment` optionally names the experiment).
   */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    const ctx = experimentContextOf(context);
    if (isContextProblem(ctx)) throw new InvalidContextError(ctx.problem);
    trackOutcome(this.#client(), trackingEventName, ctx, details);
  }

  // The SDK's errors thrown here become the rejection of the async resolvers; the SDK answers the default.
  #resolve<T extends boolean | string | number | JsonValue>(
    key: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    const assay = this.#client();
    const experiment = this.#experimentIndex(assay).get(key);
    const flag = experiment === undefined ? assay.flags.definition(key) : undefined;
    if (experiment === undefined && flag === undefined) {
      const shown = key.length > 200 ? `${key.slice(0, 200)}…` : key;
      throw new FlagNotFoundError(`no flag or experiment ${JSON.stringify(shown)} in the manifest`);
    }
    const ctx = experimentContextOf(context);
    if (isContextProblem(ctx)) throw new InvalidContextError(ctx.problem);
    if (flag !== undefined) return resolveFlag(assay, flag, type, defaultValue, ctx);
    const { details, variant } = resolveExperiment<T>(assay, experiment!, type, ctx);
    if (this.hooks.length > 0) this.#answered.set(context, { flagKey: key, variant, ctx });
    return details;
  }

  #client(): AssaySource {
    if (this.#assay === undefined) {
      throw new ProviderNotReadyError("AssayProvider: the client is not ready (initialize has not finished)");
    }
    return this.#assay;
  }

  /** The declared experiments by id, rebuilt when the client's manifest version changes. */
  #experimentIndex(assay: AssaySource): ReadonlyMap<string, ExperimentDefinition> {
    const version = assay.manifestVersion;
    if (this.#experiments !== undefined && version === this.#indexedVersion) return this.#experiments;
    const changed = this.#experiments !== undefined;
    this.#experiments = new Map(assay.experiments().map((d) => [d.id, d]));
    this.#indexedVersion = version;
    if (changed) this.events.emit(ProviderEvents.ConfigurationChanged, { message: `manifest ${version}` });
    return this.#experiments;
  }
}
