import { type RunContext, StepExperimentError, type StepExperiments } from "@assay/steps";

export interface Attempted<T> {
  readonly runId: string;
  readonly attempts: number;
  readonly result?: T;
  readonly error?: Error;
}

/**
 * The smallest job queue that retries: runs `handler` under `runId` until it succeeds or `maxAttempts` is
 * reached. A StepExperimentError is a configuration mistake (`retriable: false`) and fails the job at once.
 */
export async function runWithRetries<T>(
  steps: StepExperiments,
  runId: string,
  handler: (ctx: RunContext, attempt: number) => Promise<T>,
  maxAttempts = 3,
): Promise<Attempted<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await steps.run(runId, (ctx) => handler(ctx, attempt));
      return { runId, attempts: attempt, result };
    } catch (error) {
      const retriable = !(error instanceof StepExperimentError);
      if (!retriable || attempt >= maxAttempts) return { runId, attempts: attempt, error: error as Error };
    }
  }
}
