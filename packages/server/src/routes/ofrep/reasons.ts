import type { AssignmentReason } from "@assay/core";

/** The reasons OFREP allows in a successful evaluation (`evaluationSuccess.reason`). */
export type OfrepReason = "STATIC" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "UNKNOWN";

/**
 * Assay's assignment reasons as OFREP's. OFREP has no DEFAULT nor CACHED, so: a hash bucket, a stored
 * sticky answer (the bucket of the unit's first assignment) and the traffic split (units left outside the
 * traffic share or the layer slot) are all `SPLIT`; targeting rules and forced units are `TARGETING_MATCH`;
 * the kill switch is `DISABLED`. A unit with no id and an error are not successes: they are answered
 * `TARGETING_KEY_MISSING` and `GENERAL` (see `evaluate-experiment.ts`). `metadata.inExperiment` and
 * `metadata.assayReason` keep what the OFREP reason cannot say.
 */
export const OFREP_REASON: Readonly<Record<Exclude<AssignmentReason, "anonymous" | "error">, OfrepReason>> =
  Object.freeze({
    hash: "SPLIT",
    sticky: "SPLIT",
    traffic: "SPLIT",
    targeting: "TARGETING_MATCH",
    forced: "TARGETING_MATCH",
    disabled: "DISABLED",
  });
