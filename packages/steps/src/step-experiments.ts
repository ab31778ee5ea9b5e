import { describe } from "@assay/core";
import { createPlainGroup } from "./engine/plain-group.js";
import { Recorder } from "./engine/recorder.js";
import type { ExperimentRef, ScoreValue, StepExperimentsOptions, StepGroup } from "./engine/types.js";
import { markDurableStep } from "./engine/variant-scope.js";
import { StepExperimentError } from "./errors.js";
import type { MemoStore } from "./memo/memo-store.js";

/** The durable step tools of a plain Node run. */
export interface StepTools {
  /**
   * Runs `fn` once per run: its (JSON-serializable) output is stored in the memo store, and a retried run
   * gets the stored output back without calling `fn`. A repeated id within one run gets `:2`, `:3`, ...
   */
  run<T>(id: string, fn: () => T | Promise<T>): Promise<Awaited<T>>;
}

/** What a plain Node run's handler receives. */
export interface RunContext {
  readonly runId: string;
  readonly step: StepTools;
  readonly group: StepGroup;
}

/**
 * Step experiments bound to where they record (an Assay client or an event store) and, for plain Node
 * workers, where runs are memoized. Give the same object to the Inngest adapter (`withAssay` from
 * `@assay/steps/inngest`), which memoizes through the SDK instead.
 */
export class StepExperiments {
  /** @internal used by the adapters. */
  readonly recorder: Recorder;
  private readonly memo: MemoStore | undefined;
  private memoReady: Promise<void> | undefined;

  constructor(options: StepExperimentsOptions) {
    this.recorder = new Recorder(options);
    this.memo = options.memo;
  }

  /**
   * Executes one attempt of the run `runId`. Throwing fails the attempt; call `run` again with the same
   * run id to retry: experiments keep their selection (the selector is not called again) and completed
   * steps return their stored output. Configuration errors are StepExperimentError (`retriable: false`).
   */
  async run<T>(runId: string, handler: (ctx: RunContext) => T | Promise<T>): Promise<Awaited<T>> {
    if (typeof runId !== "string" || runId.length === 0) {
      throw new StepExperimentError(
        `steps.run(runId, handler): runId must be a non-empty string, got ${describe(runId)}`,
      );
    }
    const memo = this.memo;
    if (memo === undefined) {
      throw new StepExperimentError(
        "steps.run(): plain Node runs need a memo store; pass { memo: new SqliteMemoStore({ path }) } (or MemoryMemoStore) to createStepExperiments",
      );
    }
    this.memoReady ??= Promise.resolve(memo.init?.());
    await this.memoReady;
    const group = createPlainGroup(runId, memo, this.recorder);
    const counts = new Map<string, number>();
    const step: StepTools = {
      async run<R>(id: string, fn: () => R | Promise<R>): Promise<Awaited<R>> {
        if (typeof id !== "string" || id.length === 0) {
          throw new StepExperimentError(
            `step.run(id, fn): id must be a non-empty string, got ${describe(id)}`,
          );
        }
        markDurableStep();
        const n = (counts.get(id) ?? 0) + 1;
        counts.set(id, n);
        const stepId = n === 1 ? id : `${id}:${n}`;
        const stored = await memo.getStep(runId, stepId);
        if (stored !== undefined) return stored.value as Awaited<R>;
        const value = await fn();
        await memo.setStep(runId, stepId, value);
        return value;
      },
    };
    return await handler({ runId, step, group });
  }

  /** Records a score that arrives after the run, attributed to the run's variant through its ref. */
  score(
    ref: ExperimentRef,
    name: string,
    value: ScoreValue,
    options?: { readonly eventId?: string; readonly timestamp?: Date },
  ): Promise<void> {
    return this.recorder.score(ref, name, value, options);
  }

  /** Closes the memo store (the Assay client or event store stays the caller's to close). */
  async close(): Promise<void> {
    await this.memo?.close?.();
  }
}

/**
 * Binds step experiments to an Assay client (or an event store) and, for plain Node workers, a memo store.
 *
 * ```ts
 * const steps = createStepExperiments({ assay, memo: new SqliteMemoStore({ path: ".assay/events.db" }) });
 * await steps.run(job.id, ({ step, group }) =>
 *   group.experiment("invoice-engine", {
 *     variants: { current: () => step.run("v1", () => v1(job)), rewrite: () => step.run("v2", () => v2(job)) },
 *     select: experiment.weighted({ current: 90, rewrite: 10 }),
 *   }),
 * );
 * ```
 */
export function createStepExperiments(options: StepExperimentsOptions): StepExperiments {
  return new StepExperiments(options);
}
