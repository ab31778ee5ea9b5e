import { type Context, NonRetriableError, type GroupExperiment as SdkGroupExperiment } from "inngest";
import {
  checkStillDeclared,
  type ExperimentCall,
  parseCall,
  runSelectedVariant,
  type ScoreWriter,
} from "../engine/experiment-call.js";
import { type Recorder, validateScore } from "../engine/recorder.js";
import {
  type ExperimentOptions,
  type ExperimentRef,
  exposureStepId,
  type GroupExperiment,
  type MemoizedSelection,
  type StepGroup,
  type VariantMap,
} from "../engine/types.js";
import { callName, StepExperimentError } from "../errors.js";
import type { StepExperiments } from "../step-experiments.js";
import { writeSdkScore } from "./sdk-score.js";
import { sdkSelector } from "./sdk-selector.js";
import { trackSteps } from "./track-steps.js";

/** The part of an Inngest function's context the adapter uses. */
export interface InngestContextLike {
  readonly runId: string;
  readonly step: { run(id: string, fn: () => unknown): Promise<unknown> } & object;
  readonly group?: object;
}

/** The SDK's context with Assay's `group.experiment` and a `step` whose tools count as durable steps. */
export type AssayInngestContext<C extends InngestContextLike> = Omit<C, "group" | "step"> & {
  readonly step: C["step"];
  readonly group: Omit<NonNullable<C["group"]>, "experiment"> & StepGroup;
};

/** The id of the SDK's experiment step (type `group.experiment`) of experiment `id`: the id itself. */
export function selectionStepId(experiment: string): string {
  return experiment;
}

/** The step id under which an in-variant score `name` of experiment `id` is written. */
export function scoreStepId(experiment: string, name: string): string {
  return `experiment:${experiment}:score:${name}`;
}

const STEP_HINT =
  " (use the step that withAssay or assayTools hands you: the zero-step guard sees only its tools)";

/** Assay's configuration errors become the SDK's NonRetriableError, so the run fails instead of retrying. */
function toSdkError(error: unknown): unknown {
  return error instanceof StepExperimentError
    ? new NonRetriableError(error.message, { cause: error })
    : error;
}

/**
 * Assay's step tools for one invocation of an Inngest function. `group.experiment` is the SDK's own, with
 * Assay's strategy as its selector, so Inngest memoizes the selection in its experiment step and records
 * the `inngest.experiment` metadata (name, variant, strategy, weights) in the trace. Inside the selected
 * variant, before its callback, a step `experiment:<id>:exposure` records the exposure of the memoized
 * variant (never of a choice another attempt lost). `score` writes the Assay outcome and the SDK's score in
 * one step. Configuration errors fail the run with a NonRetriableError.
 * Use the returned `step` inside variants: its tools are how the zero-step guard sees durable work.
 */
export function assayTools<C extends InngestContextLike>(
  steps: StepExperiments,
  ctx: C,
): { readonly step: C["step"]; readonly group: AssayInngestContext<C>["group"] } {
  const rawStep = ctx.step;
  const recorder = steps.recorder;
  const sdkExperiment = (ctx.group as { experiment?: unknown } | undefined)?.experiment;
  const seen = new Set<string>();

  const experiment = async (id: string, options: ExperimentOptions<VariantMap>): Promise<unknown> => {
    try {
      if (typeof sdkExperiment !== "function") {
        throw new StepExperimentError(
          `${callName(String(id))}: ctx.group.experiment is missing; @assay/steps/inngest runs on the Inngest SDK's own group.experiment (inngest 4.24 or later), so pass the function's ctx as the SDK gives it`,
        );
      }
      const c = parseCall(seen, id, options, ctx.runId, recorder.assay);
      const variants = Object.fromEntries(
        c.names.map((name) => [name, () => exposeThenRun(c, name, rawStep, ctx.runId, recorder)]),
      );
      const out = await (sdkExperiment as SdkGroupExperiment)(c.id, {
        variants,
        select: sdkSelector(c, toSdkError),
      }).catch((error: unknown) => {
        throw removedVariant(c, error) ?? error;
      });
      const { result, ref } = out.result as { result: unknown; ref: ExperimentRef };
      return c.withVariant ? { result, variant: out.variant, ref } : result;
    } catch (error) {
      throw toSdkError(error);
    }
  };
  return {
    step: trackSteps(rawStep),
    group: {
      ...(ctx.group ?? {}),
      experiment: experiment as GroupExperiment,
    } as AssayInngestContext<C>["group"],
  };
}

/**
 * The SDK's plain (retried) Error for a memoized variant that a deploy removed, as the plain engine's
 * non-retriable StepExperimentError: retrying cannot bring the variant back.
 */
function removedVariant(c: ExperimentCall, error: unknown): StepExperimentError | undefined {
  const message = error instanceof Error ? error.message : "";
  const match = /^group\.experiment\(".*"\): variant "(.*)" was selected but is not defined/.exec(message);
  if (match === null || error instanceof NonRetriableError) return undefined;
  try {
    checkStillDeclared(c, match[1]!);
  } catch (removed) {
    return removed as StepExperimentError;
  }
  return undefined;
}

/**
 * The SDK runs this for the memoized variant only: the exposure step first (once per run, memoized by
 * Inngest), then the user's callback.
 */
async function exposeThenRun(
  c: ExperimentCall,
  variant: string,
  rawStep: InngestContextLike["step"],
  runId: string,
  recorder: Recorder,
): Promise<{ result: unknown; ref: ExperimentRef }> {
  const exposed = (await rawStep.run(exposureStepId(c.id), async (): Promise<MemoizedSelection> => {
    await recorder.exposure(c.select.target(c.input), variant, runId);
    return { variant, runId };
  })) as MemoizedSelection;
  return runSelectedVariant(
    c,
    { variant, runId: exposed.runId },
    inngestScoreWriter(c, rawStep, recorder),
    STEP_HINT,
  );
}

/** In-variant scores on Inngest: one durable step that records the Assay outcome and the SDK's score. */
function inngestScoreWriter(
  c: ExperimentCall,
  rawStep: InngestContextLike["step"],
  recorder: Recorder,
): ScoreWriter {
  return async (ref, name, value) => {
    validateScore(c.id, name, value);
    await rawStep.run(scoreStepId(c.id, name), async () => {
      await recorder.score(ref, name, value);
      await writeSdkScore(ref, name, value);
      return null;
    });
  };
}

/**
 * Wraps an Inngest handler so that its context carries Assay's `group.experiment` (the SDK's own, driven by
 * Assay's strategies) and a tracked `step`:
 *
 * ```ts
 * inngest.createFunction(
 *   { id: "generate-invoice", triggers: { event: "billing/invoice.requested" } },
 *   withAssay(steps, async ({ event, step, group }) =>
 *     group.experiment("invoice-engine", {
 *       variants: {
 *         current: () => step.run("generate-current", () => v1(event.data)),
 *         rewrite: () => step.run("generate-rewrite", () => v2(event.data)),
 *       },
 *       select: experiment.weighted({ current: 99, rewrite: 1 }),
 *     }),
 *   ),
 * );
 * ```
 */
export function withAssay<C extends InngestContextLike = Context, R = unknown>(
  steps: StepExperiments,
  handler: (ctx: AssayInngestContext<C>) => R,
): (ctx: C) => R {
  return (ctx: C) => {
    const tools = assayTools(steps, ctx);
    return handler({ ...ctx, step: tools.step, group: tools.group } as AssayInngestContext<C>);
  };
}
