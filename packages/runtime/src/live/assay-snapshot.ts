import type { ExperimentContext, ExperimentDefinition, OutcomeInput, Variant } from "@assay/core";
import { unknownExperimentError } from "@assay/core";
import type { Assay, AssayGeneration, ExperimentRoute, RecordOptions } from "../assay-client.js";
import type { FlagClient } from "../flag-client.js";

/**
 * One version of the manifest, held for the length of a request or a job: `assay.snapshot()`. Its `assign`,
 * `expose` and `track` answer from the version that was serving when it was taken, whatever reloads happen
 * meanwhile, so code that assigns several times sees one consistent set of experiments. `assign` is as
 * synchronous and allocation-free as the client's. The store is the client's (every version shares it).
 */
export class AssaySnapshot {
  private readonly routes: ReadonlyMap<string, ExperimentRoute>;
  private lastExperiment = "";
  private lastRoute: ExperimentRoute | undefined;

  /** @internal taken by `assay.snapshot()`. */
  constructor(
    private readonly client: Assay,
    private readonly generation: AssayGeneration,
  ) {
    this.routes = generation.routes;
  }

  /** The client's version counter when this snapshot was taken (see `Assay.version`). */
  get version(): number {
    return this.generation.version;
  }

  /** The content hash of the manifest this snapshot serves. */
  get manifestVersion(): string {
    return this.generation.manifestVersion;
  }

  /** This version's feature flags. */
  get flags(): FlagClient {
    return this.generation.flags;
  }

  /** As `Assay.assign`, from this snapshot's version. */
  assign(experiment: string, ctx: ExperimentContext): Variant {
    let route = this.lastRoute;
    if (experiment !== this.lastExperiment || route === undefined) {
      route = this.routes.get(experiment);
      if (route === undefined) throw notDeclared(experiment);
      this.lastExperiment = experiment;
      this.lastRoute = route;
    }
    const variant =
      route.policy === undefined
        ? route.plugin.assign(experiment, ctx)
        : route.policy.assign(route.plugin, experiment, ctx);
    this.client.annotate(variant, ctx, route.plugin.name);
    return variant;
  }

  /** As `Assay.assignOrControl`, from this snapshot's version. */
  assignOrControl(experiment: string, ctx: ExperimentContext, fallback = "control"): Variant {
    try {
      return this.assign(experiment, ctx);
    } catch (error) {
      return this.client.controlAfter(error, experiment, fallback, this.routes);
    }
  }

  /**
   * As `Assay.expose`: recorded through this version's backend for the experiment, naming this version's
   * `manifestVersion` and the experiment's phase in it.
   */
  expose(variant: Variant, ctx: ExperimentContext, options: RecordOptions = {}): Promise<void> {
    return this.client.reported(
      () => this.client.recordExposure(variant, ctx, options, this.generation),
      variant?.experiment,
    );
  }

  /** As `Assay.track`: recorded through this version's backend for the experiment, in its phase of this version. */
  track(
    experiment: string,
    metric: string,
    value: OutcomeInput,
    ctx: ExperimentContext,
    options: RecordOptions = {},
  ): Promise<void> {
    return this.client.reported(
      () => this.client.recordOutcome(experiment, metric, value, ctx, options, this.generation),
      experiment,
    );
  }

  /** The experiments of this version, in manifest order. */
  experiments(): ExperimentDefinition[] {
    return [...this.routes.values()].map((r) => r.definition);
  }
}

function notDeclared(experiment: unknown): Error {
  return unknownExperimentError(
    experiment,
    `experiment ${JSON.stringify(experiment)} is not declared in this version of the manifest`,
  );
}
