import {
  describe,
  type EventStore,
  type ExperimentContext,
  exposureEvent,
  makeVariant,
  outcomeEvent,
  recordEvent,
  toOutcomeValue,
  validateExposure,
  validateOutcome,
} from "@assay/core";
import { callName, StepExperimentError } from "../errors.js";
import type { AssayClientLike, Attribution } from "../strategies.js";
import type { ExperimentRef, ScoreValue, StepExperimentsOptions } from "./types.js";

/** The recorder half of a configuration: exposures and scores, idempotent per run. */
export class Recorder {
  private readonly now: () => Date;

  constructor(private readonly options: StepExperimentsOptions) {
    if (options.assay === undefined && options.store === undefined) {
      throw new StepExperimentError(
        "createStepExperiments(): pass { assay } (from createAssay) or { store } (an EventStore) so exposures and scores are recorded",
      );
    }
    this.now = options.now ?? (() => new Date());
  }

  get assay(): AssayClientLike | undefined {
    return this.options.assay;
  }

  /**
   * The exposure of the run's memoized `variant`: one per run and experiment (its event id is derived from
   * both, so a retried exposure step dedupes).
   */
  async exposure(target: Attribution, variant: string, runId: string): Promise<void> {
    const eventId = `step:${runId}:${target.experiment}:exposure`;
    const timestamp = this.now();
    if (target.via === "assay") {
      const assay = this.requireAssay(target.experiment);
      const v = target.assigned?.(variant) ?? makeVariant(target.experiment, variant, false, true, "sticky");
      await assay.expose(v, target.unit, { timestamp, eventId });
      return;
    }
    const record = validateExposure({
      experiment: target.experiment,
      variantId: variant,
      ...unitIds(target.unit),
      timestamp,
      eventId,
      ...environmentOf(),
    });
    await recordEvent(this.store(), exposureEvent(record));
  }

  /**
   * Records score `name` of the run in `ref`. The event id is derived from run, experiment and name, so a
   * replayed or retried run records each score once; pass `eventId` to record several values of one name.
   */
  async score(
    ref: ExperimentRef,
    name: string,
    value: ScoreValue,
    options: { readonly eventId?: string; readonly timestamp?: Date } = {},
  ): Promise<void> {
    validateRef(ref);
    validateScore(ref.experiment, name, value);
    // A keyless run of a manifest experiment is an anonymous unit: not enrolled, so its scores count nowhere.
    if (ref.unit.userId === undefined && ref.unit.sessionId === undefined) return;
    const eventId = options.eventId ?? `step:${ref.runId}:${ref.experiment}:score:${name}`;
    const timestamp = options.timestamp ?? this.now();
    if (ref.via === "assay") {
      await this.requireAssay(ref.experiment).track(ref.experiment, name, value, ref.unit, {
        timestamp,
        eventId,
      });
      return;
    }
    const record = validateOutcome({
      experiment: ref.experiment,
      metric: name,
      value: toOutcomeValue(value),
      ...unitIds(ref.unit),
      timestamp,
      eventId,
      ...environmentOf(),
    });
    await recordEvent(this.store(), outcomeEvent(record));
  }

  private store(): EventStore {
    return (this.options.store ?? this.options.assay?.store)!;
  }

  private requireAssay(experiment: string): AssayClientLike {
    if (this.options.assay === undefined) {
      throw new StepExperimentError(
        `${callName(experiment)}: recording a manifest experiment needs the Assay client; pass { assay } to createStepExperiments`,
      );
    }
    return this.options.assay;
  }
}

function unitIds(unit: ExperimentContext): { userId?: string; sessionId?: string } {
  return {
    ...(unit.userId !== undefined ? { userId: unit.userId } : {}),
    ...(unit.sessionId !== undefined ? { sessionId: unit.sessionId } : {}),
  };
}

/** The Inngest SDK's limit for score names (UTF-8 bytes); Assay keeps the same rule on both engines. */
const MAX_SCORE_NAME_BYTES = 128;

/** Throws StepExperimentError unless `name` is a usable metric name and `value` a finite number or boolean. */
export function validateScore(experiment: string, name: unknown, value: unknown): void {
  const call = `score(${typeof name === "string" ? JSON.stringify(name) : "…"}) in ${callName(experiment)}`;
  if (typeof name !== "string" || name.length === 0) {
    throw new StepExperimentError(
      `${call}: the score name must be a non-empty string, got ${describe(name)}`,
    );
  }
  // The SDK's own rules (inngest.score), so a name valid on one engine is valid on the other.
  if (Buffer.byteLength(name, "utf8") > MAX_SCORE_NAME_BYTES || /[\p{Cc}']/u.test(name)) {
    throw new StepExperimentError(
      `${call}: the score name must be at most ${MAX_SCORE_NAME_BYTES} bytes of UTF-8, without control characters or single quotes (the Inngest SDK's score rules)`,
    );
  }
  if (typeof value === "boolean") return;
  if (typeof value === "number" && Number.isFinite(value)) return;
  throw new StepExperimentError(
    `${call}: the value must be a finite number or a boolean, got ${describe(value)}; ${
      typeof value === "string"
        ? "convert it first (Number(x), or x === 'yes' for a boolean)"
        : "NaN and Infinity usually come from a division by zero or a failed parse: score a real measurement or skip the score"
    }`,
  );
}

function validateRef(ref: unknown): asserts ref is ExperimentRef {
  const r = ref as Partial<ExperimentRef> | null;
  if (
    typeof r !== "object" ||
    r === null ||
    typeof r.experiment !== "string" ||
    typeof r.variant !== "string" ||
    typeof r.runId !== "string" ||
    (r.stepExperiment !== undefined && typeof r.stepExperiment !== "string") ||
    (r.via !== "assay" && r.via !== "store") ||
    typeof r.unit !== "object" ||
    r.unit === null
  ) {
    throw new StepExperimentError(
      `steps.score(ref, ...): ref must be the ref returned by group.experiment(id, { withVariant: true }), got ${describe(ref)}`,
    );
  }
}

/**
 * The environment records of in-code experiments name: `ASSAY_ENV`, as the runtime's client does (those of
 * manifest experiments go through the client, which names its own); none, the store's "default", without it.
 */
function environmentOf(): { environment?: string } {
  const env = process.env.ASSAY_ENV;
  return env === undefined || env === "" ? {} : { environment: env };
}
