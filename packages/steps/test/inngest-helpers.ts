import { InngestTestEngine } from "@inngest/test";
import type { InngestFunction } from "inngest";

/** The completed steps of an execution, as the state an Inngest retry of the run starts from. */
export async function memoizedState(state: Record<string, Promise<unknown>>) {
  return Promise.all(
    Object.entries(state).map(async ([id, output]) => {
      const value = await output;
      return { id, idIsHashed: true, handler: () => value };
    }),
  );
}

/** What the SDK reports for one step: the op the Inngest server would store and show in the trace. */
export interface ReportedStep {
  readonly id: string;
  readonly name?: string;
  readonly opts?: Record<string, unknown>;
  readonly data?: unknown;
  readonly metadata?: readonly {
    readonly kind: string;
    readonly scope: string;
    readonly values: Record<string, unknown>;
  }[];
}

/** Runs a fresh execution of `fn` until step `stepId` has run, and returns what the SDK reported for it. */
export async function reportedStep(fn: InngestFunction.Any, stepId: string) {
  const run = await new InngestTestEngine({ function: fn }).executeStep(stepId);
  return run.step as unknown as ReportedStep;
}
