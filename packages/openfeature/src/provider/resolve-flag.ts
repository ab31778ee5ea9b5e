import type { ExperimentContext, FlagDefinition } from "@assay/core";
import {
  type FlagValueType,
  type JsonValue,
  type ResolutionDetails,
  StandardResolutionReasons,
  TargetingKeyMissingError,
  TypeMismatchError,
} from "@openfeature/server-sdk";
import type { AssaySource } from "../assay-source.js";
import { flagReason } from "../reasons/reasons.js";

/** The unit id a flag's rollout hashes, or undefined when the context lacks it. */
function unitOf(definition: FlagDefinition, ctx: ExperimentContext): string | undefined {
  const unit =
    definition.unit === "user"
      ? ctx.userId
      : definition.unit === "session"
        ? ctx.sessionId
        : ctx.attributes[definition.unit];
  return unit === undefined || unit === "" ? undefined : unit;
}

/**
 * Evaluates a manifest flag through `assay.flags`. A flag without `variants` is boolean (variant "on" or
 * "off"); one with `variants` is a string flag (variant = its value, or "off"); asked as another type it is
 * TYPE_MISMATCH. A partial rollout needs the flag's unit (`targetingKey` for `unit = "user"`): without it
 * TARGETING_KEY_MISSING, where `assay.flags` alone would quietly answer off. A string flag that is off and
 * declares no `off` value serves the caller's default with reason DEFAULT.
 */
export function resolveFlag<T extends boolean | string | number | JsonValue>(
  assay: AssaySource,
  definition: FlagDefinition,
  type: FlagValueType,
  defaultValue: T,
  ctx: ExperimentContext,
): ResolutionDetails<T> {
  const isString = (definition.variants?.length ?? 0) > 0;
  const declared = isString ? "string" : "boolean";
  if (type !== declared) {
    throw new TypeMismatchError(
      `flag ${definition.key} is a ${declared} flag${isString ? ` (values ${definition.variants?.map((v) => v.id).join(", ")})` : ""}, asked as ${type}`,
    );
  }
  if (
    definition.enabled &&
    definition.rollout > 0 &&
    definition.rollout < 1 &&
    unitOf(definition, ctx) === undefined
  ) {
    throw new TargetingKeyMissingError(
      `flag ${definition.key} rolls out to ${Number((definition.rollout * 100).toFixed(4))}% by unit "${definition.unit}": the context needs ${definition.unit === "user" ? "targetingKey (the user id)" : definition.unit === "session" ? "a sessionId field" : `a ${definition.unit} field`}`,
    );
  }
  const on = assay.flags.isEnabled(definition.key, ctx);
  const flagMetadata = { flag: definition.key, enabled: on };
  if (!isString) {
    return {
      value: on as T,
      variant: on ? "on" : "off",
      reason: flagReason(definition, on),
      flagMetadata,
    };
  }
  const value = assay.flags.variant(definition.key, ctx, defaultValue as string);
  const reason =
    !on && definition.off === undefined ? StandardResolutionReasons.DEFAULT : flagReason(definition, on);
  return { value: value as T, variant: on ? value : "off", reason, flagMetadata };
}
