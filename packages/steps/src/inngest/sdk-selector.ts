import type { GroupExperiment } from "inngest";
import { chooseVariant, type ExperimentCall } from "../engine/experiment-call.js";

/** The selector type the SDK's `group.experiment({ select })` takes (a function carrying its strategy). */
export type SdkSelectFn = Parameters<GroupExperiment>[1]["select"];

/**
 * Assay's strategy as the SDK's selector: the SDK calls it inside its own experiment step (so the choice is
 * memoized by Inngest and never made twice for a run) and records `__experimentConfig` (strategy and
 * weights) with the chosen variant as the step's `inngest.experiment` metadata, which Inngest's traces and
 * experiment views show. `toSdkError` turns Assay's configuration errors into the SDK's non-retriable ones.
 */
export function sdkSelector(c: ExperimentCall, toSdkError: (error: unknown) => unknown): SdkSelectFn {
  const weights = c.select.weightsFor(c.input);
  const select = async (): Promise<string> => {
    try {
      return await chooseVariant(c);
    } catch (error) {
      throw toSdkError(error);
    }
  };
  return Object.assign(select, {
    __experimentConfig: {
      strategy: c.select.kind,
      ...(weights !== undefined ? { weights: { ...weights } } : {}),
    },
  });
}
