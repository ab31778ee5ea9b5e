import { AsyncLocalStorage } from "node:async_hooks";
import { StepExperimentError } from "../errors.js";
import type { ScoreValue, VariantContext } from "./types.js";

/** Whether a variant callback used a durable step tool; nested experiments mark their parents too. */
export interface Tracker {
  found: boolean;
  readonly parent: Tracker | undefined;
}

interface VariantScope {
  readonly tracker: Tracker;
  readonly context: VariantContext;
}

const scopes = new AsyncLocalStorage<VariantScope>();

/** Adapters call this when a durable step tool is used: it marks every enclosing variant as durable. */
export function markDurableStep(): void {
  for (let t = scopes.getStore()?.tracker; t !== undefined; t = t.parent) t.found = true;
}

/**
 * Runs a variant callback with `context` as the scope of `score()` and a fresh tracker, and says whether
 * the callback performed a durable step.
 */
export async function runInVariantScope(
  context: VariantContext,
  callback: (ctx: VariantContext) => unknown,
): Promise<{ readonly result: unknown; readonly durable: boolean }> {
  const tracker: Tracker = { found: false, parent: scopes.getStore()?.tracker };
  const result = await scopes.run({ tracker, context }, () => callback(context));
  return { result, durable: tracker.found };
}

/**
 * Records an outcome for the run's variant from inside the selected variant callback (the same as the
 * callback's `ctx.score`). Throws when called outside a variant callback.
 */
export function score(name: string, value: ScoreValue): Promise<void> {
  const scope = scopes.getStore();
  if (scope === undefined) {
    return Promise.reject(
      new StepExperimentError(
        `score(${JSON.stringify(name)}): call it inside the selected variant callback of group.experiment; for a score that arrives later, keep the ref from group.experiment(id, { withVariant: true }) and call steps.score(ref, name, value)`,
      ),
    );
  }
  return scope.context.score(name, value);
}
