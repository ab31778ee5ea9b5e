import type { AssignmentReason, ExperimentContext, Variant } from "@assay/core";
import { type Attributes, context, ROOT_CONTEXT, trace } from "@opentelemetry/api";

/**
 * Where @opentelemetry/api keeps its registered globals (tracer provider, context manager). The API creates
 * it on the first registration, so while it is absent no tracing is set up and there can be no active span:
 * `assign` then pays one property read, not the API's context lookup.
 */
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");
const scope = globalThis as unknown as Record<symbol, unknown>;

/** Whether an OpenTelemetry SDK registered anything yet (cheap; checked on every assign). */
export function tracingRegistered(): boolean {
  return scope[OTEL_GLOBAL] !== undefined;
}

/**
 * Assay's reasons as the semantic conventions' `feature_flag.result.reason` values: a hash bucket is a
 * `split`, a stored sticky answer `cached`, a forced unit `static`; units left out (targeting, traffic, no
 * unit id) got the `default` (control).
 */
const RESULT_REASON: Record<AssignmentReason, string> = {
  hash: "split",
  sticky: "cached",
  forced: "static",
  targeting: "default",
  traffic: "default",
  anonymous: "default",
  disabled: "disabled",
  error: "error",
};

/**
 * The feature-flag semantic-convention attributes of one evaluation (the names of the current conventions:
 * `feature_flag.result.variant`, `feature_flag.provider.name`). With `deprecated`, also the names they
 * replaced (`feature_flag.variant`, `feature_flag.provider_name`), for dashboards still built on those.
 */
function evaluationAttributes(
  key: string,
  variantId: string,
  provider: string,
  ctx: ExperimentContext,
  deprecated: boolean,
): Attributes {
  const attributes: Attributes = {
    "feature_flag.key": key,
    "feature_flag.result.variant": variantId,
    "feature_flag.provider.name": provider,
  };
  if (deprecated) {
    attributes["feature_flag.variant"] = variantId;
    attributes["feature_flag.provider_name"] = provider;
  }
  const id = typeof ctx === "object" && ctx !== null ? (ctx.userId ?? ctx.sessionId) : undefined;
  if (typeof id === "string") attributes["feature_flag.context.id"] = id;
  return attributes;
}

/**
 * Adds the feature-flag semantic-convention attributes of one evaluation to the active span, when there is a
 * recording one: `feature_flag.key` (the experiment), `feature_flag.result.variant`,
 * `feature_flag.provider.name` (the backend's name), `feature_flag.result.reason` and
 * `feature_flag.context.id` (the user id, else the session id), plus Assay's `assay.reason` and
 * `assay.in_experiment`. They are set as span attributes (the last evaluation wins) and added as a
 * `feature_flag.evaluation` event (every evaluation kept). `event` names the event for exposures.
 */
export function annotateActiveSpan(
  variant: Variant,
  ctx: ExperimentContext,
  provider: string,
  event = "feature_flag.evaluation",
  deprecated = false,
): void {
  // Outside any span the context manager answers the root context: skip the span lookup then.
  const active = context.active();
  if (active === ROOT_CONTEXT) return;
  const span = trace.getSpan(active);
  if (span === undefined || !span.isRecording()) return;
  const attributes = evaluationAttributes(variant.experiment, variant.variantId, provider, ctx, deprecated);
  attributes["feature_flag.result.reason"] = RESULT_REASON[variant.reason] ?? "unknown";
  attributes["assay.reason"] = variant.reason;
  attributes["assay.in_experiment"] = variant.inExperiment;
  span.setAttributes(attributes);
  span.addEvent(event, attributes);
}

/**
 * The same attributes for a feature-flag evaluation: `feature_flag.key` (the flag),
 * `feature_flag.result.variant` (its value, `"on"`/`"off"` for boolean flags), `feature_flag.provider.name`,
 * `feature_flag.context.id` (and the deprecated names too with `deprecated`).
 */
export function annotateFlag(
  flag: string,
  value: string,
  ctx: ExperimentContext,
  provider: string,
  deprecated = false,
): void {
  const active = context.active();
  if (active === ROOT_CONTEXT) return;
  const span = trace.getSpan(active);
  if (span === undefined || !span.isRecording()) return;
  const attributes = evaluationAttributes(flag, value, provider, ctx, deprecated);
  span.setAttributes(attributes);
  span.addEvent("feature_flag.evaluation", attributes);
}
