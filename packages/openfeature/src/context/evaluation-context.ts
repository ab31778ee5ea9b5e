import { type ExperimentContext, idProblem } from "@assay/core";
import type { EvaluationContext } from "@openfeature/server-sdk";

/** A context Assay cannot use, with the field and why: answered INVALID_CONTEXT. */
export interface ContextProblem {
  readonly problem: string;
}

/**
 * An OpenFeature evaluation context as Assay's: `targetingKey` is the user id (the unit of `unit = "user"`
 * experiments and flags), a `sessionId` field the session id (`unit = "session"`), and every other field an
 * attribute (targeting, and the unit of `unit = "<attribute>"` experiments). Attributes are strings in Assay:
 * a string is kept, a number or boolean becomes its text (`3`, `true`), a Date its ISO text. Objects, arrays
 * and null are dropped (Assay's targeting compares text, so they could never match), as is an empty
 * `targetingKey` or `sessionId` (absent, not an id). Ids must be ids a store can keep (`idProblem` of
 * `@assay/core`), as `expose` would demand of them.
 */
export function experimentContextOf(context: EvaluationContext): ExperimentContext | ContextProblem {
  const attributes: Record<string, string> = {};
  let userId: string | undefined;
  let sessionId: string | undefined;
  for (const key of Object.keys(context)) {
    const value = context[key];
    if (key === "targetingKey" || key === "sessionId") {
      if (value === undefined || value === "") continue;
      if (typeof value !== "string") {
        return { problem: `context.${key} must be a string, got ${describe(value)}` };
      }
      const problem = idProblem(value);
      if (problem !== undefined) return { problem: `context.${key} ${problem}` };
      if (key === "targetingKey") userId = value;
      else sessionId = value;
      continue;
    }
    const text = attributeText(value);
    if (text === undefined) continue;
    if (text.includes("\u0000")) {
      return { problem: `context.${key.slice(0, 80)} holds a NUL character (U+0000)` };
    }
    // An own data property: a field named __proto__ stays a field, it does not replace the prototype.
    Object.defineProperty(attributes, key, { value: text, enumerable: true, writable: false });
  }
  return {
    ...(userId === undefined ? {} : { userId }),
    ...(sessionId === undefined ? {} : { sessionId }),
    attributes: Object.freeze(attributes),
  };
}

/** Whether `value` is a problem rather than a context. */
export function isContextProblem(value: ExperimentContext | ContextProblem): value is ContextProblem {
  return "problem" in value;
}

/** The attribute text of a context value, or undefined for one Assay drops (object, array, null). */
function attributeText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
