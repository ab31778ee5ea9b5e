import { type ExperimentContext, idProblem } from "@assay/core";
import type { EvaluationRequest } from "./request-schema.js";

/** A context the schema let through that Assay still cannot use (an id with a NUL, an unpaired surrogate). */
export interface ContextProblem {
  readonly problem: string;
}

/**
 * The OFREP context as Assay's: `targetingKey` is the user id (the unit of `unit = "user"` experiments and
 * flags), `sessionId` the session id (`unit = "session"`), every other field an attribute (targeting, and
 * the unit of `unit = "<attribute>"` experiments), numbers and booleans as their text. An empty
 * `targetingKey` or `sessionId` is absent. The ids must be ids a store can keep (see `@assay/core`'s
 * `idProblem`), as `expose` would demand of them.
 */
export function experimentContextOf(
  context: EvaluationRequest["context"],
): ExperimentContext | ContextProblem {
  const attributes: Record<string, string> = {};
  let userId: string | undefined;
  let sessionId: string | undefined;
  for (const key of Object.keys(context)) {
    const value = context[key]!;
    if (key === "targetingKey" || key === "sessionId") {
      const id = value as string;
      if (id === "") continue;
      const problem = idProblem(id);
      if (problem !== undefined) return { problem: `context.${key}: ${problem}` };
      if (key === "targetingKey") userId = id;
      else sessionId = id;
      continue;
    }
    const text = typeof value === "string" ? value : String(value);
    if (text.includes("\u0000")) return { problem: `context.${key.slice(0, 80)}: holds a NUL character` };
    // defineProperty-like assignment through an own data property: a key named __proto__ stays a key.
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
