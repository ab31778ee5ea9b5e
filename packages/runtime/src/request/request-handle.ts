import { randomUUID } from "node:crypto";
import {
  type ContextBuilder,
  describe,
  ExperimentContext,
  InvalidContextError,
  type OutcomeInput,
  type Variant,
} from "@assay/core";
import type { AssaySnapshot } from "../live/assay-snapshot.js";
import type { CompiledOptions, CompiledSource } from "./compile-options.js";
import type { Facts } from "./manifest-facts.js";
import { EXPERIMENTS_HEADER, formatExperimentsHeader } from "./propagation.js";
import type { RequestAssay, TrackOptions } from "./request-assay.js";
import type { FrameworkBinding } from "./request-core.js";
import { readCookie, serializeCookie, signCookieValue, verifyCookieValue } from "./signed-cookie.js";

// Longest unit id taken from a header or the app's user: what every store can keep (see Assay.expose).
const MAX_UNIT_LENGTH = 256;
const NOT_PARSED = Symbol("not parsed");
// What a header value may hold: visible ASCII and spaces, not at either end.
const HEADER_VALUE = /^[!-~](?:[ -~]*[!-~])?$/;

/**
 * One request's RequestAssay. Everything is lazy: the manifest version, the unit, the context, the bot check
 * and the upstream header are worked out on first use, so a route that runs no experiment costs one small
 * object. The version is a snapshot taken on first use: a manifest reloaded meanwhile changes nothing for
 * this request, down to the exposures recorded after its response.
 */
export class RequestHandle<Req, Res> implements RequestAssay {
  private snap: AssaySnapshot | undefined;
  private manifest: Facts | undefined;
  private ctx: ContextBuilder | undefined;
  private bot: boolean | undefined;
  // True when the unit came from the visitor cookie rather than the app's user or a header.
  private visitor = false;
  private upstream: Map<string, Variant> | undefined | typeof NOT_PARSED = NOT_PARSED;
  // A request assigns one or a few experiments: an array searched in order beats a Map per request.
  private assigned: Variant[] | undefined;
  private pending: Array<{ variant: Variant; timestamp: Date }> | undefined;
  // The response's status once sent; undefined while the response is being made.
  private status: number | undefined;

  /** @internal made by RequestCore.begin. */
  constructor(
    private readonly options: CompiledOptions<Req>,
    private readonly binding: FrameworkBinding<Req, Res>,
    private readonly request: Req,
    private readonly response: Res,
  ) {}

  get unitId(): string | undefined {
    return this.context.userId;
  }

  get context(): ContextBuilder {
    this.ctx ??= this.buildContext();
    return this.ctx;
  }

  get isBot(): boolean {
    if (this.bot === undefined) {
      const agent = this.binding.header(this.request, "user-agent");
      const { bots, botVerdicts } = this.options;
      if (bots === undefined || agent === undefined) this.bot = false;
      else {
        let verdict = botVerdicts.get(agent);
        if (verdict === undefined) {
          verdict = bots.test(agent);
          botVerdicts.set(agent, verdict);
        }
        this.bot = verdict;
      }
    }
    return this.bot;
  }

  assign(experiment: string): Variant {
    const known = this.known(experiment);
    if (known !== undefined) return known;
    return this.remember(this.snapshot().assign(experiment, this.context));
  }

  assignOrControl(experiment: string, fallback = "control"): Variant {
    const known = this.known(experiment);
    if (known !== undefined) return known;
    return this.remember(this.snapshot().assignOrControl(experiment, this.context, fallback));
  }

  expose(variant: Variant): void {
    if (typeof variant !== "object" || variant === null) {
      throw new InvalidContextError(`expose needs the Variant returned by assign, got ${describe(variant)}`);
    }
    if (this.isBot) return;
    if (this.options.deferExposure && this.status === undefined) {
      // Stamped now, when it was rendered: an outcome tracked later in this same request must not precede it.
      if (this.pending === undefined) {
        this.pending = [];
        this.binding.whenSent?.(this.response, (status) => this.settle(status));
      }
      this.pending.push({ variant, timestamp: new Date() });
      return;
    }
    // Immediate mode, or exposed after the response went out (a late callback): recorded only if it succeeded.
    if (this.status === undefined || this.status < 400) this.record(variant, new Date());
  }

  track(metric: string, value: OutcomeInput, options: TrackOptions = {}): Promise<void> {
    const { experiment, ...record } = options;
    const experiments = experiment !== undefined ? [experiment] : this.experimentsSeen();
    // Thrown, not a rejection: a caller's mistake, and a rejection nobody awaits would end the process.
    if (experiments.length === 0) {
      throw new InvalidContextError(
        `track(${JSON.stringify(metric)}) in a request that assigned no experiment and received none from upstream: name one with { experiment }`,
      );
    }
    const ctx = this.context;
    const assay = this.snapshot();
    if (experiments.length === 1) return assay.track(experiments[0]!, metric, value, ctx, record);
    return Promise.all(experiments.map((e) => assay.track(e, metric, value, ctx, record))).then(
      () => undefined,
    );
  }

  outgoingHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    const unit = this.unitId;
    if (unit !== undefined) {
      // Sent as is, since the callee reads it with a plain header source; a header cannot carry other text.
      if (!HEADER_VALUE.test(unit)) {
        throw new InvalidContextError(
          `unit id ${JSON.stringify(unit)} cannot be sent in the ${this.options.unitHeader} header: only printable ASCII can`,
        );
      }
      headers[this.options.unitHeader] = unit;
    }
    const enrolled: Variant[] = [];
    for (const variant of this.assigned ?? []) if (variant.inExperiment) enrolled.push(variant);
    if (enrolled.length > 0) headers[EXPERIMENTS_HEADER] = formatExperimentsHeader(enrolled);
    return headers;
  }

  /**
   * Called by the framework package once the response is sent: records the held exposures when the status is
   * below 400 and drops them otherwise. Idempotent; exposures after it are recorded (or not) at once.
   */
  settle(statusCode: number): void {
    if (this.status !== undefined) return;
    this.status = statusCode;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined || statusCode >= 400) return;
    for (const { variant, timestamp } of pending) this.record(variant, timestamp);
  }

  private record(variant: Variant, timestamp: Date): void {
    // Assay.expose reports a failure to createAssay's onError, so the promise needs no handler here.
    void this.snapshot().expose(variant, this.context, { timestamp });
  }

  private remember(variant: Variant): Variant {
    this.assigned ??= [];
    this.assigned.push(variant);
    return variant;
  }

  /** The variant this request already assigned, or received from upstream (then remembered as assigned). */
  private known(experiment: string): Variant | undefined {
    for (const variant of this.assigned ?? []) if (variant.experiment === experiment) return variant;
    const upstream = this.fromUpstream(experiment);
    return upstream === undefined ? undefined : this.remember(upstream);
  }

  /** The manifest version this request answers from, taken on first use. */
  private snapshot(): AssaySnapshot {
    this.snap ??= this.options.assay.snapshot();
    return this.snap;
  }

  private facts(): Facts {
    this.manifest ??= this.options.facts.of(this.snapshot());
    return this.manifest;
  }

  private fromUpstream(experiment: string): Variant | undefined {
    // A service that does not accept the header never reads it.
    const propagated = this.facts().propagated;
    if (propagated === undefined) return undefined;
    if (this.upstream === NOT_PARSED) {
      this.upstream = propagated.parse(this.binding.header(this.request, EXPERIMENTS_HEADER));
    }
    return this.upstream?.get(experiment);
  }

  private experimentsSeen(): string[] {
    const seen = new Set((this.assigned ?? []).map((v) => v.experiment));
    this.fromUpstream("");
    const upstream = this.upstream === NOT_PARSED ? undefined : this.upstream;
    for (const experiment of upstream?.keys() ?? []) seen.add(experiment);
    return [...seen];
  }

  private buildContext(): ContextBuilder {
    const unit = this.resolveUnit();
    let ctx = unit === undefined ? ExperimentContext.anonymous() : ExperimentContext.forUser(unit);
    // A cookie's id is an anonymous visitor's: the session unit as well (when the manifest has a session-unit
    // experiment), so `unit = "session"` experiments enrol visitors who are not signed in.
    if (unit !== undefined && this.visitor && this.facts().visitorSessions) ctx = ctx.withSession(unit);
    for (const attribute of this.options.attributes) {
      const value =
        "header" in attribute
          ? this.binding.header(this.request, attribute.header)
          : attribute.read(this.request);
      if (typeof value === "string") ctx = ctx.withAttribute(attribute.name, value);
    }
    return ctx;
  }

  private resolveUnit(): string | undefined {
    for (const source of this.options.sources) {
      const id = this.unitFrom(source);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  private unitFrom(source: CompiledSource<Req>): string | undefined {
    switch (source.from) {
      case "header":
        return usableId(this.binding.header(this.request, source.name));
      case "user":
        return usableId(source.resolve(this.request));
      case "cookie": {
        this.visitor = true; // the cookie source always yields: this request's unit is a visitor's
        const value = readCookie(this.binding.header(this.request, "cookie"), source.name);
        if (value !== undefined) {
          const seen = source.verified.get(value);
          if (seen !== undefined) return seen;
          const known = verifyCookieValue(source.name, value, source.secrets);
          if (known !== undefined) {
            source.verified.set(value, known);
            return known;
          }
        }
        // New, or a cookie that does not verify (forged, unsigned, an old secret): a new visitor, never trusted.
        const id = randomUUID();
        const signed = signCookieValue(source.name, id, source.secrets[0]!);
        this.binding.appendSetCookie(this.response, serializeCookie(source.name, signed, source.attributes));
        return id;
      }
    }
  }
}

/** A header's or the app's unit id, or undefined when it is absent or not something a store can keep. */
function usableId(id: unknown): string | undefined {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_UNIT_LENGTH || id.includes("\0"))
    return undefined;
  return id;
}
