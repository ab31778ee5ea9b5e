import type { Manifest } from "@assay/config";
import type { EventStore, ExperimentPlugin, FeatureFlagPlugin } from "@assay/core";
import type { ServiceIdentifier } from "inversify";

/** Symbol tokens of the runtime's container. Explicit tokens: no decorator metadata is needed anywhere. */
export const TOKENS = {
  Manifest: Symbol.for("assay.Manifest") as ServiceIdentifier<Manifest>,
  EventStore: Symbol.for("assay.EventStore") as ServiceIdentifier<EventStore>,
  ExperimentPlugin: Symbol.for("assay.ExperimentPlugin") as ServiceIdentifier<ExperimentPlugin>,
  FeatureFlagPlugin: Symbol.for("assay.FeatureFlagPlugin") as ServiceIdentifier<FeatureFlagPlugin>,
} as const;
