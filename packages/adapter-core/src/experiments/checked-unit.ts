import {
  describe,
  type ExperimentContext,
  type ExperimentDefinition,
  InvalidContextError,
} from "@assay/core";
import { unitOf } from "./unit-of.js";

/** The parts of an assign-time context an adapter hands its vendor's SDK, once checked. */
export interface CheckedUnit {
  /** The id the experiment randomizes (user id, session id or its own attribute). */
  readonly unit: string;
  readonly userId: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The checks every adapter's `assign` makes before it asks its SDK, in the order the conformance suite
 * expects: the context is an object (INVALID_CONTEXT), the experiment is switched on ("disabled"), the
 * attributes are an object, the unit is present ("anonymous") and a non-empty string, and a user id, when
 * given, is one too. What comes back is what the SDK's user is built from.
 */
export function checkedUnit(
  definition: ExperimentDefinition,
  ctx: ExperimentContext,
): CheckedUnit | "disabled" | "anonymous" {
  if (typeof ctx !== "object" || ctx === null) {
    throw new InvalidContextError(`context must be an object, got ${describe(ctx)}`);
  }
  if (!definition.enabled) return "disabled";
  const attributes: unknown = ctx.attributes;
  if (typeof attributes !== "object" || attributes === null) {
    throw new InvalidContextError(`context.attributes must be an object, got ${describe(attributes)}`);
  }
  const unit = unitOf(definition, ctx, attributes as Readonly<Record<string, unknown>>);
  if (unit === undefined) return "anonymous";
  if (typeof unit !== "string" || unit.length === 0) {
    throw new InvalidContextError(
      `context unit of experiment ${definition.id} must be a non-empty string, got ${describe(unit)}`,
    );
  }
  if (ctx.userId !== undefined && (typeof ctx.userId !== "string" || ctx.userId === "")) {
    throw new InvalidContextError(`context.userId must be a non-empty string, got ${describe(ctx.userId)}`);
  }
  return { unit, userId: ctx.userId, attributes: attributes as Readonly<Record<string, string>> };
}
