import { type ExperimentContext, InvalidContextError } from "@assay/core";
import type { TrackingEventDetails } from "@openfeature/server-sdk";
import type { AssaySource } from "../assay-source.js";

/**
 * An OpenFeature tracking event as Assay outcomes: the event name is the metric, `details.value` the value
 * (a finite number; without one the event counts as a conversion, `true`). A string `details.experiment`
 * names the one experiment it is for; without it the outcome goes to every declared experiment the unit is
 * enrolled in now (`assign` says `inExperiment`), since outcomes only count for exposed units anyway and
 * this keeps the writes to the experiments that can use them. Records are not awaited; failures go to the
 * client's `onError`. Throws InvalidContextError for a value that is not a finite number.
 */
export function trackOutcome(
  assay: AssaySource,
  metric: string,
  ctx: ExperimentContext,
  details: TrackingEventDetails,
): void {
  const raw: unknown = details.value;
  if (raw !== undefined && (typeof raw !== "number" || !Number.isFinite(raw))) {
    throw new InvalidContextError(
      `track ${metric}: details.value must be a finite number, got ${typeof raw === "number" ? String(raw) : (JSON.stringify(raw) ?? String(raw))}`,
    );
  }
  const value = raw === undefined ? true : raw;
  const named = details.experiment;
  if (typeof named === "string") {
    void assay.track(named, metric, value, ctx);
    return;
  }
  for (const experiment of assay.experiments()) {
    if (enrolled(assay, experiment.id, ctx)) void assay.track(experiment.id, metric, value, ctx);
  }
}

function enrolled(assay: AssaySource, experiment: string, ctx: ExperimentContext): boolean {
  try {
    return assay.assign(experiment, ctx).inExperiment;
  } catch {
    return false;
  }
}
