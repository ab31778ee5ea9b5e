import { InvalidContextError } from "@assay/core";

/**
 * A step experiment is misconfigured or misused: unknown variant name, invalid weights, missing bucket key,
 * duplicate experiment id, a variant that performs no durable step, an invalid score. Retrying cannot fix
 * it, so `retriable` is false: the Inngest adapter rethrows it as a NonRetriableError and a plain worker's
 * queue should fail the job instead of retrying it. The message names the API call and says what to fix.
 */
export class StepExperimentError extends InvalidContextError {
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StepExperimentError";
  }
}

/** `"a", "b", "c"`: the valid names, quoted, for error messages. */
export function quoteList(names: Iterable<string>): string {
  return [...names].map((n) => JSON.stringify(n)).join(", ");
}

/** `group.experiment("id")`: how error messages name the call. */
export function callName(experiment: string): string {
  return `group.experiment(${JSON.stringify(experiment)})`;
}
