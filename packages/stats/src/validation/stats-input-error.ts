import { InvalidContextError } from "@assay/core";

/**
 * Thrown when a statistics function gets input it cannot use: a negative or fractional count, a
 * non-finite sum, an alpha outside (0, 1), an unknown option value. `field` names the offending input
 * (for example `control.n` or `options.alpha`). It is an `InvalidContextError` (code INVALID_CONTEXT,
 * HTTP 400), so callers that handle Assay's errors handle it too.
 */
export class StatsInputError extends InvalidContextError {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options);
    this.name = "StatsInputError";
    this.field = field;
  }
}
