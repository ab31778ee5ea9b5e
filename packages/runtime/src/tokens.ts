import type { Manifest } from "@assay/config";
import type { EventStore, ExperimentPlugin, FeatureFlagPlugin } from "@assay/core";

/**
 * A token of the runtime's container: a registered symbol, branded with what it resolves to. Declared here
 * rather than as inversify's ServiceIdentifier so that the runtime's public types do not reach into
 * inversify, whose types TypeScript's node10 resolution cannot find (inversify declares them in `exports`
 * only). Pass the type explicitly where the container is used: `container.getAsync<EventStore>(TOKENS.EventStore)`.
 */
export type Token<T> = symbol & { readonly __resolvesTo?: T };

/** Symbol tokens of the runtime's container. Explicit tokens: no decorator metadata is needed anywhere. */
export const TOKENS = {
  Manifest: Symbol.for("assay.Manifest") as Token<Manifest>,
  EventStore: Symbol.for("assay.EventStore") as Token<EventStore>,
  ExperimentPlugin: Symbol.for("assay.ExperimentPlugin") as Token<ExperimentPlugin>,
  FeatureFlagPlugin: Symbol.for("assay.FeatureFlagPlugin") as Token<FeatureFlagPlugin>,
} as const;
