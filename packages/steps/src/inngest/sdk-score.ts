import { getAsyncCtx } from "inngest/experimental";
import type { ExperimentRef, ScoreValue } from "../engine/types.js";

/** The part of an Inngest client (`inngest.score`, SDK 4.8 and later) that writes experiment scores. */
export interface InngestScoreClient {
  readonly score: {
    experiment(options: {
      readonly experiment: { readonly experimentName: string; readonly variant: string };
      readonly runId?: string;
      readonly name: string;
      readonly value: ScoreValue;
    }): Promise<void>;
  };
}

/** The SDK's experiment ref of an Assay ref: Inngest knows the experiment by its `group.experiment` id. */
export function sdkExperimentRef(ref: ExperimentRef): { experimentName: string; variant: string } {
  return { experimentName: ref.stepExperiment ?? ref.experiment, variant: ref.variant };
}

/**
 * Writes the score through the SDK's score API (`inngest.score.experiment`) of the client executing this
 * run, run-scoped and attributed to the experiment's variant. Called inside a step: the SDK then attaches
 * the score to that step's output instead of calling its API, so it is written exactly when the step is.
 */
export async function writeSdkScore(ref: ExperimentRef, name: string, value: ScoreValue): Promise<void> {
  const async = await getAsyncCtx();
  const client = async?.app as Partial<InngestScoreClient> | undefined;
  if (typeof client?.score?.experiment !== "function") return;
  await client.score.experiment({
    experiment: sdkExperimentRef(ref),
    // The executing run's id: the same as the ref's on Inngest; local test engines give every request its own.
    runId: async?.execution?.ctx.runId ?? ref.runId,
    name,
    value,
  });
}
