import { describe } from "../context/experiment-context.js";
import { InvalidContextError } from "../errors/experiment-error.js";

/**
 * The environment of a record that names none (no `ASSAY_ENV`, no `environment` option): every store keeps
 * it under this name, so data recorded before environments existed and data of apps that never set one stay
 * together, apart from "staging" and "production".
 */
export const DEFAULT_ENVIRONMENT = "default";

/** The phase of a record that names none: an experiment starts at phase 1 (its manifest `version`). */
export const DEFAULT_PHASE = 1;

/**
 * Environment names: letters, digits, `_` and `-`, at most 64 (the manifest's `env.<name>` blocks take the
 * same names). Stores join the environment into their analysis keys, so it must never contain a separator.
 */
const ENVIRONMENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws INVALID_CONTEXT unless `value` (when given) is an environment name; `field` names it in the error. */
export function requireEnvironment(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "string" || !ENVIRONMENT_NAME.test(value)) {
    throw new InvalidContextError(
      `${field} must be an environment name (1 to 64 letters, digits, _ or -, like "staging"), got ${describe(value)}`,
    );
  }
}

/** Throws INVALID_CONTEXT unless `value` (when given) is a phase: a whole number from 1 to 2^31 − 1. */
export function requirePhase(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new InvalidContextError(
      `${field} must be a whole number from 1 to 2147483647, got ${describe(value)}`,
    );
  }
}

/** Whether `value` is an environment name (see requireEnvironment). */
export function isEnvironmentName(value: string): boolean {
  return ENVIRONMENT_NAME.test(value);
}
