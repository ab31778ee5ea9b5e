import {
  describe,
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentError,
  type ExperimentPlugin,
  type ExposureRecord,
  exposureEvent,
  InvalidContextError,
  type OutcomeRecord,
  outcomeEvent,
  recordEvent,
  unknownExperimentError,
  type Variant,
  validateExposure,
  validateOutcome,
} from "@assay/core";
import { type CompiledExperiment, compileExperiment, UnitSource } from "./compiled-experiment.js";
import { forcedIndex, Outcome } from "./unleash-strategies.js";

export interface HashBackendOptions {
  /** Name reported by the plugin (the manifest entry's name). */
  readonly name?: string;
  readonly experiments: readonly ExperimentDefinition[];
  /** Where exposures and outcomes go. Injected: the backend never constructs its store. */
  readonly store: EventStore;
  /** Where relative paths of hashing modes (a Statsig payload) resolve from: the manifest's directory. Default: the working directory. */
  readonly baseDir?: string;
}

/**
 * The local backend: deterministic assignment by Assay's native hash (FNV-1a + fmix32, see @assay/hashing),
 * or per experiment by a vendor-compatible mode (`hashing`), no network. `assign` does no I/O and allocates nothing: it hashes the unit id and returns a pre-built,
 * frozen Variant.
 */
export class HashExperimentBackend implements ExperimentPlugin {
  readonly name: string;
  private readonly experiments = new Map<string, CompiledExperiment>();
  private readonly store: EventStore;
  // Last experiment assigned and its compiled form: skips the Map when the same experiment repeats.
  private lastId = "";
  private last: CompiledExperiment | undefined;

  constructor(options: HashBackendOptions) {
    this.name = options.name ?? "experiment-hash";
    this.store = options.store;
    const baseDir = options.baseDir ?? process.cwd();
    for (const definition of options.experiments) {
      if (this.experiments.has(definition.id))
        throw new RangeError(`experiment ${definition.id} is declared twice`);
      this.experiments.set(definition.id, compileExperiment(definition, { baseDir }));
    }
  }

  assign(experiment: string, ctx: ExperimentContext): Variant {
    let compiled = this.last;
    if (experiment !== this.lastId || compiled === undefined) {
      compiled = this.experiments.get(experiment);
      if (compiled === undefined) throw notFound(experiment);
      this.lastId = experiment;
      this.last = compiled;
    }
    if (typeof ctx !== "object" || ctx === null) {
      throw new InvalidContextError(`context must be an object, got ${describe(ctx)}`);
    }
    if (!compiled.enabled) return compiled.disabled;
    if (compiled.contextual !== undefined) return decided(compiled, compiled.contextual.decide(ctx));
    let unit: unknown;
    switch (compiled.unitSource) {
      case UnitSource.User:
        unit = ctx.userId;
        break;
      case UnitSource.Session:
        unit = ctx.sessionId;
        break;
      default: {
        const attributes: unknown = ctx.attributes;
        if (typeof attributes !== "object" || attributes === null) {
          throw new InvalidContextError(`context.attributes must be an object, got ${describe(attributes)}`);
        }
        unit = (attributes as Record<string, unknown>)[compiled.attribute];
      }
    }
    if (unit === undefined) return compiled.anonymous;
    if (typeof unit !== "string" || unit.length === 0) throw badUnit(compiled, unit);
    const index =
      compiled.vendor === undefined ? compiled.bucketer.bucket(unit) : compiled.vendor.bucket(unit, ctx);
    return index < 0 ? compiled.outsideTraffic : compiled.enrolled[index]!;
  }

  // Not async: a valid record returns the store's promise as is (the pipeline shares one per commit), so
  // the hot path allocates no promise of its own; a refused record still rejects rather than throws.
  recordExposure(exposure: ExposureRecord): Promise<void> {
    try {
      validateExposure(exposure);
      const compiled = this.experiments.get(exposure.experiment);
      if (compiled === undefined) throw notFound(exposure.experiment);
      if (!compiled.variantIds.has(exposure.variantId)) {
        throw new InvalidContextError(
          `experiment ${JSON.stringify(exposure.experiment)} has no variant ${JSON.stringify(exposure.variantId)}; its variants are ${[...compiled.variantIds].join(", ")}`,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return recordEvent(this.store, exposureEvent(exposure));
  }

  recordOutcome(outcome: OutcomeRecord): Promise<void> {
    try {
      validateOutcome(outcome);
      if (!this.experiments.has(outcome.experiment)) throw notFound(outcome.experiment);
    } catch (error) {
      return Promise.reject(error);
    }
    return recordEvent(this.store, outcomeEvent(outcome));
  }

  async flush(): Promise<void> {
    await this.store.flush?.();
  }

  /** Experiments this backend serves, in manifest order. */
  experimentIds(): string[] {
    return [...this.experiments.keys()];
  }
}

/** The Variant of a context bucketer's answer. */
function decided(compiled: CompiledExperiment, code: number): Variant {
  if (code >= 0) return compiled.enrolled[code]!;
  if (code === Outcome.Anonymous) return compiled.anonymous;
  if (code === Outcome.Targeting) return compiled.outsideTargeting;
  if (code === Outcome.Traffic) return compiled.outsideTraffic;
  return compiled.forced[forcedIndex(code)]!;
}

function notFound(experiment: unknown): ExperimentError {
  return unknownExperimentError(experiment);
}

function badUnit(compiled: CompiledExperiment, unit: unknown): InvalidContextError {
  const field =
    compiled.unitSource === UnitSource.User
      ? "userId"
      : compiled.unitSource === UnitSource.Session
        ? "sessionId"
        : `attributes.${compiled.attribute}`;
  const problem = typeof unit === "string" ? "must not be empty" : `must be a string, got ${describe(unit)}`;
  return new InvalidContextError(
    `context.${field} ${problem} (the unit of experiment ${compiled.definition.id})`,
  );
}
