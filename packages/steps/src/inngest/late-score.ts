import type { ExperimentRef, ScoreValue } from "../engine/types.js";
import type { StepExperiments } from "../step-experiments.js";
import { type InngestScoreClient, sdkExperimentRef } from "./sdk-score.js";

/**
 * Records a score that arrives after an Inngest run, in both places: Assay's event store (as
 * `steps.score(ref, ...)` does) and Inngest, through the SDK's `inngest.score.experiment` with the run id and
 * the experiment's variant from `ref`, so Inngest's experiment view shows it too. The Assay event id is
 * derived from run, experiment and name (pass `eventId` to record several values of one name).
 */
export async function scoreInngestRun(
  inngest: InngestScoreClient,
  steps: StepExperiments,
  ref: ExperimentRef,
  name: string,
  value: ScoreValue,
  options?: { readonly eventId?: string; readonly timestamp?: Date },
): Promise<void> {
  await steps.score(ref, name, value, options);
  await inngest.score.experiment({ experiment: sdkExperimentRef(ref), runId: ref.runId, name, value });
}
