import { type Context, NonRetriableError } from "inngest";
import { createGroup, type MemoizedSelection, markDurableStep, type StepGroup } from "../engine.js";
import type { StepExperiments } from "../step-experiments.js";

/** The part of an Inngest function's context the adapter uses. */
export interface InngestContextLike {
  readonly runId: string;
  readonly step: { run(id: string, fn: () => unknown): Promise<unknown> } & object;
  readonly group?: object;
}

/** The step id under which the selection of experiment `id` is memoized by the SDK. */
export function selectionStepId(experiment: string): string {
  return `experiment:${experiment}`;
}

/** The SDK's context with Assay's `group.experiment` and a `step` whose tools count as durable steps. */
export type AssayInngestContext<C extends InngestContextLike> = Omit<C, "group" | "step"> & {
  readonly step: C["step"];
  readonly group: Omit<NonNullable<C["group"]>, "experiment"> & StepGroup;
};

/**
 * Assay's step tools for one invocation of an Inngest function: `group.experiment` memoizes its selection
 * through the SDK's own step mechanism (`step.run("experiment:<id>", select)`: the chosen variant is that
 * step's stored output, so retries and replays get it back without selecting again), records one exposure
 * per run in the Assay event store, and fails the run with a NonRetriableError on a configuration error.
 * Use the returned `step` inside variants: its tools are how the zero-step guard sees durable work.
 */
export function assayTools<C extends InngestContextLike>(
  steps: StepExperiments,
  ctx: C,
): { readonly step: C["step"]; readonly group: AssayInngestContext<C>["group"] } {
  const rawStep = ctx.step;
  const group = createGroup(
    {
      runId: ctx.runId,
      async memoize(experiment, choose) {
        const stored = (await rawStep.run(selectionStepId(experiment), choose)) as MemoizedSelection;
        return stored;
      },
      fail: (error) => new NonRetriableError(error.message, { cause: error }),
      stepHint:
        " (use the step that withAssay or assayTools hands you: the zero-step guard sees only its tools)",
    },
    steps.recorder,
  );
  return {
    step: trackSteps(rawStep),
    group: { ...(ctx.group ?? {}), experiment: group.experiment } as AssayInngestContext<C>["group"],
  };
}

/**
 * Wraps an Inngest handler so that its context carries Assay's `group.experiment` (replacing the SDK's own)
 * and a tracked `step`:
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

/** A view of the SDK's step tools that marks the enclosing variant as durable whenever a tool is called. */
function trackSteps<S extends object>(step: S): S {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(step, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value === "function") {
        if (!cache.has(property)) {
          const tool = value as (...args: unknown[]) => unknown;
          const wrapped = Object.assign(function (this: unknown, ...args: unknown[]) {
            markDurableStep();
            return tool.apply(target, args);
          }, tool);
          cache.set(property, wrapped);
        }
        return cache.get(property);
      }
      if (typeof value === "object" && value !== null && typeof property === "string") {
        if (!cache.has(property)) cache.set(property, trackSteps(value));
        return cache.get(property);
      }
      return value;
    },
  });
}
