import type { ExperimentContext, Variant } from "@assay/core";
import type {
  EvaluationContext,
  EvaluationDetails,
  FlagValue,
  Hook,
  HookContext,
} from "@openfeature/server-sdk";
import type { AssaySource } from "../assay-source.js";
import { experimentContextOf, isContextProblem } from "../context/evaluation-context.js";

/** An experiment evaluation the provider answered, kept until its `after` hook runs. */
export interface AnsweredEvaluation {
  readonly flagKey: string;
  readonly variant: Variant;
  readonly ctx: ExperimentContext;
}

/**
 * The evaluations answered, by the evaluation context object they were answered for. The SDK hands the
 * provider and the hooks of one evaluation the same (frozen, per-evaluation) context object, so the hook
 * finds the exact Variant the provider served without assigning again; a WeakMap, so an evaluation whose
 * hook never runs holds nothing.
 */
export type AnsweredEvaluations = WeakMap<EvaluationContext, AnsweredEvaluation>;

/**
 * The provider hook that records exposures, the OpenFeature way: `after` runs only when an evaluation
 * succeeded, and it exposes only experiments (flags are never recorded). Units that are not enrolled
 * (outside traffic or targeting, disabled, forced) are exposed as `assay.expose` does it: not counted. The
 * exposure is not awaited (the evaluation does not wait for the store); a failure goes to the client's
 * `onError`, as for any exposure nobody awaits.
 */
export function exposureHook(assay: () => AssaySource, answered: AnsweredEvaluations): Hook {
  return {
    after(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
      const experiment = details.flagMetadata.experiment;
      if (typeof experiment !== "string" || details.errorCode !== undefined) return;
      const client = assay();
      const entry = answered.get(hookContext.context);
      if (entry !== undefined && entry.flagKey === hookContext.flagKey) {
        answered.delete(hookContext.context);
        void client.expose(entry.variant, entry.ctx);
        return;
      }
      // A context the SDK copied on the way: assign again (pure), and expose only the variant it served.
      const ctx = experimentContextOf(hookContext.context);
      if (isContextProblem(ctx)) return;
      let variant: Variant;
      try {
        variant = client.assign(experiment, ctx);
      } catch {
        return;
      }
      if (variant.variantId === details.variant) void client.expose(variant, ctx);
    },
  };
}
