import { describe } from "../context/experiment-context.js";
import { InvalidContextError } from "../errors/experiment-error.js";
import { MAX_OUTCOME_MAGNITUDE } from "./limits.js";

/**
 * What a unit did. `bool`: converted or not (per unit: converted at least once); `numeric`: a finite
 * amount such as revenue (per unit: the sum); `count`: an integer tally such as items added (per unit:
 * the sum).
 */
export type OutcomeValue =
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "numeric"; readonly value: number }
  | { readonly kind: "count"; readonly value: number };

export type OutcomeKind = OutcomeValue["kind"];

/** The shorthand the client accepts: `true`/`false` is a bool outcome, a number a numeric one. */
export type OutcomeInput = OutcomeValue | boolean | number;

/** Constructors that validate on the spot. */
export const OutcomeValue = {
  bool(value: boolean): OutcomeValue {
    return toOutcomeValue({ kind: "bool", value });
  },
  numeric(value: number): OutcomeValue {
    return toOutcomeValue({ kind: "numeric", value });
  },
  count(value: number): OutcomeValue {
    return toOutcomeValue({ kind: "count", value });
  },
};

/**
 * Normalizes and validates an outcome value. Throws INVALID_CONTEXT for an unknown kind, a NaN or
 * infinite number, a non-integer count, a number or count beyond ±MAX_OUTCOME_MAGNITUDE (1e15; the stores'
 * sums of squares must stay finite), or a value of the wrong type.
 */
export function toOutcomeValue(input: unknown): OutcomeValue {
  if (typeof input === "boolean") return { kind: "bool", value: input };
  if (typeof input === "number") {
    if (!Number.isFinite(input))
      throw new InvalidContextError(`outcome value must be a finite number, got ${describe(input)}`);
    if (Math.abs(input) > MAX_OUTCOME_MAGNITUDE) throw tooLarge("outcome value", input);
    return { kind: "numeric", value: input };
  }
  if (typeof input !== "object" || input === null) {
    throw new InvalidContextError(
      `outcome value must be a boolean, a finite number or { kind, value }, got ${describe(input)}`,
    );
  }
  const { kind, value } = input as { kind?: unknown; value?: unknown };
  switch (kind) {
    case "bool":
      if (typeof value !== "boolean")
        throw new InvalidContextError(`bool outcome value must be a boolean, got ${describe(value)}`);
      return { kind, value };
    case "numeric":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InvalidContextError(
          `numeric outcome value must be a finite number, got ${describe(value)}`,
        );
      }
      if (Math.abs(value) > MAX_OUTCOME_MAGNITUDE) throw tooLarge("numeric outcome value", value);
      return { kind, value };
    case "count":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) {
        throw new InvalidContextError(`count outcome value must be an integer, got ${describe(value)}`);
      }
      if (Math.abs(value) > MAX_OUTCOME_MAGNITUDE) throw tooLarge("count outcome value", value);
      return { kind, value };
    default:
      throw new InvalidContextError(
        `unknown outcome kind ${describe(kind)}; valid kinds are "bool", "numeric" and "count"`,
      );
  }
}

function tooLarge(what: string, value: number): InvalidContextError {
  return new InvalidContextError(
    `${what} must be between -1e15 and 1e15 (MAX_OUTCOME_MAGNITUDE: a store's sum of squares must stay finite), got ${value}`,
  );
}
