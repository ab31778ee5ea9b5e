import { createHash } from "node:crypto";
import {
  type ExperimentContext,
  type ExperimentDefinition,
  ExperimentError,
  type FlagDefinition,
  type Variant,
} from "@assay/core";
import type { Evaluation } from "./evaluation-source.js";
import type { OfrepErrorCode, OfrepFailure, OfrepSuccess } from "./ofrep-types.js";
import { OFREP_REASON, type OfrepReason } from "./reasons.js";

/** One evaluation as it is sent: its JSON, and the status a single evaluation answers with. */
export interface Rendered {
  readonly json: string;
  readonly status: 200 | 400 | 404 | 500;
}

const STATUS: Readonly<Record<OfrepErrorCode, Rendered["status"]>> = {
  FLAG_NOT_FOUND: 404,
  GENERAL: 500,
  PARSE_ERROR: 400,
  INVALID_CONTEXT: 400,
  TARGETING_KEY_MISSING: 400,
};

function failure(key: string, errorCode: OfrepErrorCode, errorDetails: string): Rendered {
  const body: OfrepFailure = { key, errorCode, errorDetails };
  return { json: JSON.stringify(body), status: STATUS[errorCode] };
}

function success(body: OfrepSuccess): Rendered {
  return { json: JSON.stringify(body), status: 200 };
}

/** Where the unit of an experiment comes from in an OFREP context, for TARGETING_KEY_MISSING's message. */
function unitField(definition: ExperimentDefinition): string {
  if (definition.unit === "user") return "context.targetingKey (the user id)";
  if (definition.unit === "session") return "context.sessionId (the session id)";
  return `context.${definition.unit}`;
}

/**
 * OFREP evaluation over one `Evaluation` (the manifest's experiments and flags, fixed for the source's
 * life). Every answer that depends only on a Variant (a frozen object `assign` shares) or on a flag's value
 * is rendered to JSON once and reused, so an evaluation costs the assignment and a lookup.
 */
export class OfrepEvaluator {
  /** Changes whenever a declared experiment or flag changes: a hash of their definitions. */
  readonly configVersion: string;
  readonly #experiments: ReadonlyMap<string, ExperimentDefinition>;
  readonly #flags: ReadonlyMap<string, FlagDefinition>;
  readonly #rendered = new WeakMap<Variant, Rendered>();
  readonly #flagValues = new Map<string, Map<string, Rendered>>();
  readonly #bulkTail: string;

  /** The client's `manifestVersion` this view was built from. */
  readonly builtFrom: string | undefined;

  constructor(private readonly evaluation: Evaluation) {
    this.builtFrom = evaluation.manifestVersion;
    this.#experiments = new Map(evaluation.experiments().map((d) => [d.id, d]));
    const flags = new Map<string, FlagDefinition>();
    for (const key of evaluation.flags.keys()) {
      const definition = evaluation.flags.definition(key);
      if (definition !== undefined && !this.#experiments.has(key)) flags.set(key, definition);
    }
    this.#flags = flags;
    this.configVersion = createHash("sha256")
      .update(JSON.stringify({ experiments: [...this.#experiments.values()], flags: [...flags.values()] }))
      .digest("hex")
      .slice(0, 16);
    this.#bulkTail = `],"metadata":${JSON.stringify({ configVersion: this.configVersion })}}`;
  }

  /** The keys a bulk evaluation answers: experiments, then flags, in manifest order. */
  keys(): string[] {
    return [...this.#experiments.keys(), ...this.#flags.keys()];
  }

  /** One flag or experiment, for `POST /ofrep/v1/evaluate/flags/{key}`. */
  evaluate(key: string, ctx: ExperimentContext): Rendered {
    const experiment = this.#experiments.get(key);
    if (experiment !== undefined) return this.#experiment(experiment, ctx);
    const flag = this.#flags.get(key);
    if (flag !== undefined) return this.#flag(flag, ctx);
    const shown = key.length > 200 ? `${key.slice(0, 200)}…` : key;
    return failure(shown, "FLAG_NOT_FOUND", `no flag or experiment ${JSON.stringify(shown)} in the manifest`);
  }

  /** Every flag and experiment, for `POST /ofrep/v1/evaluate/flags`: the `bulkEvaluationSuccess` JSON. */
  bulk(ctx: ExperimentContext): string {
    let json = '{"flags":[';
    let first = true;
    for (const experiment of this.#experiments.values()) {
      json += (first ? "" : ",") + this.#experiment(experiment, ctx).json;
      first = false;
    }
    for (const flag of this.#flags.values()) {
      json += (first ? "" : ",") + this.#flag(flag, ctx).json;
      first = false;
    }
    return json + this.#bulkTail;
  }

  #experiment(definition: ExperimentDefinition, ctx: ExperimentContext): Rendered {
    let variant: Variant;
    try {
      variant = this.evaluation.assign(definition.id, ctx);
    } catch (error) {
      if (error instanceof ExperimentError && error.code === "INVALID_CONTEXT") {
        return failure(definition.id, "INVALID_CONTEXT", error.message);
      }
      return failure(definition.id, "GENERAL", "the experiment could not be evaluated");
    }
    const cached = this.#rendered.get(variant);
    if (cached !== undefined) return cached;
    const rendered = this.#renderVariant(definition, variant);
    this.#rendered.set(variant, rendered);
    return rendered;
  }

  #renderVariant(definition: ExperimentDefinition, variant: Variant): Rendered {
    if (variant.reason === "anonymous") {
      return failure(
        definition.id,
        "TARGETING_KEY_MISSING",
        `experiment ${definition.id} is randomized by unit "${definition.unit}": the context needs ${unitField(definition)}`,
      );
    }
    if (variant.reason === "error") {
      return failure(definition.id, "GENERAL", "the experiment could not be evaluated");
    }
    const value = variant.value ?? variant.variantId;
    if (Array.isArray(value)) {
      return failure(
        definition.id,
        "GENERAL",
        `variant ${variant.variantId} of ${definition.id} has an array value, which OFREP cannot carry (a boolean, string, number or object); put the array in a table`,
      );
    }
    return success({
      key: definition.id,
      value: value as Exclude<typeof value, readonly unknown[]>,
      reason: OFREP_REASON[variant.reason],
      variant: variant.variantId,
      metadata: {
        experiment: definition.id,
        inExperiment: variant.inExperiment,
        assayReason: variant.reason,
        configVersion: this.configVersion,
      },
    });
  }

  #flag(definition: FlagDefinition, ctx: ExperimentContext): Rendered {
    const on = this.evaluation.flags.isEnabled(definition.key, ctx);
    const isString = definition.variants !== undefined && definition.variants.length > 0;
    // A string flag that is off and declares no `off` value has none: OFREP's code default (no `value`).
    const value = !isString
      ? on
      : on
        ? this.evaluation.flags.variant(definition.key, ctx, "")
        : definition.off;
    const cacheKey = `${on ? 1 : 0}${value === undefined ? "" : String(value)}`;
    let values = this.#flagValues.get(definition.key);
    if (values === undefined) {
      values = new Map();
      this.#flagValues.set(definition.key, values);
    }
    const cached = values.get(cacheKey);
    if (cached !== undefined) return cached;
    const rendered = success({
      key: definition.key,
      ...(value === undefined ? {} : { value }),
      reason: flagReason(definition),
      variant: isString && on ? String(value) : on ? "on" : "off",
      metadata: { flag: definition.key, enabled: on, configVersion: this.configVersion },
    });
    // Bounded: a flag has two states, or one per declared value plus off.
    if (values.size < 1 + (definition.variants?.length ?? 1) * 2) values.set(cacheKey, rendered);
    return rendered;
  }
}

/**
 * Why a flag has its value, as far as the flag's declaration tells: switched off is DISABLED; with
 * targeting rules, TARGETING_MATCH; a partial rollout or several values is a SPLIT; otherwise STATIC.
 */
function flagReason(definition: FlagDefinition): OfrepReason {
  if (!definition.enabled) return "DISABLED";
  if (definition.targeting !== undefined) return "TARGETING_MATCH";
  if ((definition.rollout > 0 && definition.rollout < 1) || (definition.variants?.length ?? 0) > 1)
    return "SPLIT";
  return "STATIC";
}
