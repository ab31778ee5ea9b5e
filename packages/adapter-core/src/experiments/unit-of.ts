import type { ExperimentDefinition } from "@assay/core";

/**
 * The unit an experiment randomizes in a context or a record: the user id for unit `user`, the session id for
 * `session`, else the attribute the unit names (own properties only, so `constructor` is no unit). Returned as
 * found, `undefined` when absent: whether a present value is usable is the adapter's check.
 */
export function unitOf(
  definition: Pick<ExperimentDefinition, "unit">,
  ids: { readonly userId?: unknown; readonly sessionId?: unknown },
  attributes: Readonly<Record<string, unknown>>,
): unknown {
  if (definition.unit === "user") return ids.userId;
  if (definition.unit === "session") return ids.sessionId;
  return Object.hasOwn(attributes, definition.unit) ? attributes[definition.unit] : undefined;
}
