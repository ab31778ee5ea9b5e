import {
  type ExperimentContext,
  type ExperimentDefinition,
  ExperimentError,
  type Variant,
} from "@assay/core";
import {
  FlagNotFoundError,
  type FlagValueType,
  GeneralError,
  InvalidContextError,
  type JsonValue,
  type ResolutionDetails,
  StandardResolutionReasons,
  TargetingKeyMissingError,
  TypeMismatchError,
} from "@openfeature/server-sdk";
import type { AssaySource } from "../assay-source.js";
import { EXPERIMENT_REASON } from "../reasons/reasons.js";
import { describeValue, isOfType } from "./value-type.js";

/** Where an experiment's unit comes from in an OpenFeature context, for TARGETING_KEY_MISSING's message. */
function unitField(definition: ExperimentDefinition): string {
  if (definition.unit === "user") return "targetingKey (the user id)";
  if (definition.unit === "session") return "a sessionId field (the session id)";
  return `a ${definition.unit} field`;
}

/**
 * Assigns `definition` for `ctx` and answers as OpenFeature expects: the value is the variant's declared
 * `value` if it has one, else its id; `variant` is the variant id. Throws the SDK's error classes, so the
 * SDK serves the caller's default with the error code: INVALID_CONTEXT (Assay refused the context),
 * TARGETING_KEY_MISSING (the experiment's unit is not in the context), TYPE_MISMATCH (the value is not of the
 * type asked), FLAG_NOT_FOUND (the experiment went away in a reload), GENERAL (anything else).
 */
export function resolveExperiment<T extends boolean | string | number | JsonValue>(
  assay: AssaySource,
  definition: ExperimentDefinition,
  type: FlagValueType,
  ctx: ExperimentContext,
): { readonly details: ResolutionDetails<T>; readonly variant: Variant } {
  let variant: Variant;
  try {
    variant = assay.assign(definition.id, ctx);
  } catch (error) {
    if (error instanceof ExperimentError && error.code === "INVALID_CONTEXT") {
      throw new InvalidContextError(error.message, { cause: error });
    }
    if (error instanceof ExperimentError && error.code === "EXPERIMENT_NOT_FOUND") {
      throw new FlagNotFoundError(error.message, { cause: error });
    }
    throw new GeneralError(`experiment ${definition.id} could not be assigned: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (variant.reason === "anonymous") {
    throw new TargetingKeyMissingError(
      `experiment ${definition.id} is randomized by unit "${definition.unit}": the context needs ${unitField(definition)}`,
    );
  }
  if (variant.reason === "error") {
    throw new GeneralError(`experiment ${definition.id} could not be assigned (its backend failed)`);
  }
  const value = variant.value ?? variant.variantId;
  if (!isOfType(value, type)) {
    throw new TypeMismatchError(
      `experiment ${definition.id}: variant ${variant.variantId} has ${describeValue(value)}, asked as ${type}`,
    );
  }
  return {
    variant,
    details: {
      value: value as T,
      variant: variant.variantId,
      reason: EXPERIMENT_REASON[variant.reason] ?? StandardResolutionReasons.UNKNOWN,
      flagMetadata: {
        experiment: definition.id,
        inExperiment: variant.inExperiment,
        assayReason: variant.reason,
      },
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
