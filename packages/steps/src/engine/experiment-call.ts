import { describe } from "@assay/core";
import { callName, quoteList, StepExperimentError } from "../errors.js";
import {
  type AssayClientLike,
  isSelectionStrategy,
  type SelectionInput,
  type SelectionStrategy,
} from "../strategies.js";
import type {
  ExperimentOptions,
  ExperimentRef,
  MemoizedSelection,
  ScoreValue,
  VariantContext,
  VariantMap,
} from "./types.js";
import { runInVariantScope } from "./variant-scope.js";

/** One checked `group.experiment(id, options)` call, shared by both engines. */
export interface ExperimentCall {
  readonly id: string;
  /** `group.experiment("id")`, for error messages. */
  readonly call: string;
  readonly names: readonly string[];
  readonly variants: VariantMap;
  readonly select: SelectionStrategy;
  readonly input: SelectionInput;
  readonly withVariant: boolean;
}

/**
 * Checks the arguments of `group.experiment` (id, unique within the run, variants, strategy) and throws a
 * StepExperimentError that names the problem.
 */
export function parseCall(
  seen: Set<string>,
  id: unknown,
  options: unknown,
  runId: string,
  assay: AssayClientLike | undefined,
): ExperimentCall {
  if (typeof id !== "string" || id.length === 0) {
    throw new StepExperimentError(`group.experiment(id): id must be a non-empty string, got ${describe(id)}`);
  }
  const call = callName(id);
  if (seen.has(id)) {
    throw new StepExperimentError(
      `${call}: the id is used twice in one run; give every experiment in a function its own id, or the second would replay the first one's selection`,
    );
  }
  seen.add(id);
  if (typeof options !== "object" || options === null) {
    throw new StepExperimentError(`${call}: expects { variants, select }, got ${describe(options)}`);
  }
  const { variants, select, withVariant } = options as Partial<ExperimentOptions<VariantMap>>;
  if (typeof variants !== "object" || variants === null || Object.keys(variants).length === 0) {
    throw new StepExperimentError(
      `${call}: variants must be an object with at least one variant callback, such as { current: () => step.run(...), rewrite: () => step.run(...) }`,
    );
  }
  const names = Object.keys(variants);
  for (const name of names) {
    if (typeof variants[name] !== "function") {
      throw new StepExperimentError(
        `${call}: variant ${JSON.stringify(name)} must be a callback, got ${describe(variants[name])}`,
      );
    }
  }
  if (!isSelectionStrategy(select)) {
    const fromSdk = typeof select === "function" && "__experimentConfig" in select;
    throw new StepExperimentError(
      `${call}: select must come from experiment.weighted(), experiment.bucket(), experiment.custom() or experiment.fixed()${
        fromSdk
          ? ' of @assay/steps; this one is the Inngest SDK\'s: import { experiment } from "@assay/steps" instead of "inngest"'
          : `, got ${describe(select)}`
      }`,
    );
  }
  const input: SelectionInput = {
    experiment: id,
    runId,
    variants: names,
    ...(assay !== undefined ? { assay } : {}),
  };
  return { id, call, names, variants, select, input, withVariant: withVariant === true };
}

/** Runs the strategy once and checks that it returned one of the variants. */
export async function chooseVariant(c: ExperimentCall): Promise<string> {
  const selection = await c.select.select(c.input);
  const variant: unknown = selection.variant;
  if (typeof variant !== "string" || !c.names.includes(variant)) {
    throw new StepExperimentError(
      `${c.call}: ${c.select.kind === "custom" ? "the custom selector" : `experiment.${c.select.kind}()`} returned ${describe(variant)}, which is not a variant; valid variants: ${quoteList(c.names)}`,
    );
  }
  return variant;
}

/** Throws when a retried run's memoized variant was removed from the code since it was selected. */
export function checkStillDeclared(c: ExperimentCall, variant: string): void {
  if (!c.names.includes(variant)) {
    throw new StepExperimentError(
      `${c.call}: this run selected ${JSON.stringify(variant)} before, which is no longer a variant (valid: ${quoteList(c.names)}); keep a variant until the runs that selected it have finished`,
    );
  }
}

/** How an engine records a score from inside the variant (the plain engine directly, Inngest in a step). */
export type ScoreWriter = (ref: ExperimentRef, name: string, value: ScoreValue) => Promise<void>;

/**
 * Runs the callback of the memoized variant with its context (`ref`, `score`), then checks that it used a
 * durable step tool.
 */
export async function runSelectedVariant(
  c: ExperimentCall,
  selected: MemoizedSelection,
  writeScore: ScoreWriter,
  stepHint = "",
): Promise<{ readonly result: unknown; readonly ref: ExperimentRef }> {
  const target = c.select.target({ ...c.input, runId: selected.runId });
  const ref: ExperimentRef = Object.freeze({
    experiment: target.experiment,
    stepExperiment: c.id,
    variant: selected.variant,
    runId: selected.runId,
    via: target.via,
    unit: target.unit,
  });
  const context: VariantContext = Object.freeze({
    experiment: c.id,
    variant: selected.variant,
    runId: selected.runId,
    ref,
    score: (name: string, value: ScoreValue) => writeScore(ref, name, value),
  });
  const { result, durable } = await runInVariantScope(context, c.variants[selected.variant]!);
  if (!durable) {
    throw new StepExperimentError(
      `${c.call}: variant ${JSON.stringify(selected.variant)} performed no durable step; wrap its work in step.run("...", () => ...) so a retry or replay does not run it again${stepHint}`,
    );
  }
  return { result, ref };
}
