import type { VariantValue } from "@assay/core";
import type { OfrepReason } from "./reasons.js";

/** OFREP's error codes for one flag (`evaluationFailure.errorCode`, plus `flagNotFound`'s). */
export type OfrepErrorCode =
  | "PARSE_ERROR"
  | "TARGETING_KEY_MISSING"
  | "INVALID_CONTEXT"
  | "GENERAL"
  | "FLAG_NOT_FOUND";

/** Flag metadata: OFREP allows booleans, strings and numbers only. */
export type OfrepMetadata = Readonly<Record<string, boolean | string | number>>;

/** `evaluationSuccess`; `value` is absent for a code default (a string flag off with no `off` value). */
export interface OfrepSuccess {
  readonly key: string;
  readonly value?: Exclude<VariantValue, readonly VariantValue[]>;
  readonly reason: OfrepReason;
  readonly variant: string;
  readonly metadata: OfrepMetadata;
}

/** `evaluationFailure` / `flagNotFound`. */
export interface OfrepFailure {
  readonly key: string;
  readonly errorCode: OfrepErrorCode;
  readonly errorDetails: string;
  readonly metadata?: OfrepMetadata;
}

export type OfrepEvaluation = OfrepSuccess | OfrepFailure;
