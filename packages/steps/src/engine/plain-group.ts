import type { MemoStore } from "../memo/memo-store.js";
import { checkStillDeclared, chooseVariant, parseCall, runSelectedVariant } from "./experiment-call.js";
import type { Recorder } from "./recorder.js";
import {
  type ExperimentOptions,
  exposureStepId,
  type GroupExperiment,
  type StepGroup,
  type VariantMap,
} from "./types.js";

/**
 * `group.experiment` for one attempt of a plain Node run. The order makes the exposure durable and true:
 *
 * 1. select, unless the memo store has this run's selection;
 * 2. memoize it, first writer wins: a concurrent attempt that selected otherwise gets the stored variant;
 * 3. expose the memoized variant, once per run (a memoized step; a crash before it is recorded repeats it on
 *    the retry, and the exposure's fixed event id keeps it single);
 * 4. run only the memoized variant.
 *
 * An attempt that dies between any two of these leaves no exposure of a variant the run does not execute.
 */
export function createPlainGroup(runId: string, memo: MemoStore, recorder: Recorder): StepGroup {
  const seen = new Set<string>();
  const experiment = async (id: string, options: ExperimentOptions<VariantMap>): Promise<unknown> => {
    const c = parseCall(seen, id, options, runId, recorder.assay);
    let variant = await memo.get(runId, c.id);
    if (variant === undefined) variant = await memo.set(runId, c.id, await chooseVariant(c));
    checkStillDeclared(c, variant);
    const exposure = exposureStepId(c.id);
    if ((await memo.getStep(runId, exposure)) === undefined) {
      await recorder.exposure(c.select.target(c.input), variant, runId);
      await memo.setStep(runId, exposure, variant);
    }
    const { result, ref } = await runSelectedVariant(c, { variant, runId }, (r, name, value) =>
      recorder.score(r, name, value),
    );
    return c.withVariant ? { result, variant, ref } : result;
  };
  return { experiment: experiment as GroupExperiment };
}
