import { BackendError } from "@assay/core";

/**
 * An event refused because the pipeline already holds `maxQueue` events not yet committed (the store is
 * slower than the app, or down). Code BACKEND (HTTP 500), like every store failure: the event was not
 * recorded. Refused at once, never parked: waiting in an unbounded line is what let one million unawaited
 * events take 1.3 GB and minutes to drain. Every refused event is counted in `stats.refused`.
 */
export class QueueFullError extends BackendError {
  constructor(
    readonly store: string,
    readonly maxQueue: number,
  ) {
    super(
      `the ${store} event pipeline already holds ${maxQueue} events not yet committed (maxQueue); events are refused, not recorded, until the store catches up (the pipeline's stats.refused counts them)`,
    );
    this.name = "QueueFullError";
  }
}
