import type { ExperimentContext, OutcomeInput, Variant } from "@assay/core";
import type { RecordOptions } from "../assay-client.js";

/** Per-call options of `track`: which experiments the outcome belongs to, and the usual record options. */
export interface TrackOptions extends RecordOptions {
  /** The experiment; default every experiment this request assigned or received from upstream. */
  readonly experiment?: string;
}

/**
 * The Assay client bound to one request: `request.assay` (Fastify), `req.assay` (Express), `c.get("assay")`
 * (Hono). The unit is resolved on first use (so a route that runs no experiment sets no cookie), and every call
 * uses the same context.
 */
export interface RequestAssay {
  /** The unit id (signed-in user, trusted header or visitor cookie); undefined when no source had one. */
  readonly unitId: string | undefined;
  /** The context `assign` and `track` use: the unit and the declared request attributes only. */
  readonly context: ExperimentContext;
  /** True when the user agent matches the bot pattern: its exposures are never recorded. */
  readonly isBot: boolean;
  /**
   * The variant this request's unit sees. A variant received from upstream in `x-assay-experiments` (with
   * `acceptPropagated`) is served as is, not assigned again. Throws like `Assay.assign`.
   */
  assign(experiment: string): Variant;
  /** `assign` that never throws: control with `reason: "error"`, the error to createAssay's `onError`. */
  assignOrControl(experiment: string, fallback?: string): Variant;
  /**
   * Records that the variant was shown. By default held until the response is sent and recorded only for a
   * status below 400 (nothing for an error page); never for a bot. Returns nothing to await: a failure goes to
   * createAssay's `onError`.
   */
  expose(variant: Variant): void;
  /**
   * Records an outcome of this request's unit, in `options.experiment` or else in every experiment the request
   * assigned or received. Resolves once durable. Throws INVALID_CONTEXT at once when there is no experiment
   * (a mistake in the route, which a rejection nobody awaits would turn into a crash).
   */
  track(metric: string, value: OutcomeInput, options?: TrackOptions): Promise<void>;
  /**
   * Headers for a call to another service: `x-assay-experiments: id=variant,...` with this request's enrolled
   * assignments, and the unit in the `unitHeader` header, so the callee records outcomes against the same unit
   * and variants without assigning again.
   */
  outgoingHeaders(): Record<string, string>;
}
