import type { EventDispatcher, LogEvent } from "@optimizely/optimizely-sdk";

/** One event of a dispatched batch, with the visitor it belongs to. */
export interface DispatchedEvent {
  readonly visitorId: string;
  readonly key: string;
  readonly entityId: string | null;
  readonly tags: Record<string, unknown>;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** For an impression: the decision it reports. */
  readonly decision?: {
    readonly experimentId: string | null;
    readonly variationId: string | null;
    readonly variationKey?: string;
  };
}

/**
 * An event dispatcher kept in the process: it receives the SDK's batches (exactly what the default dispatcher
 * would POST to Optimizely) and answers 200, so nothing leaves the machine.
 */
export class RecordingDispatcher implements EventDispatcher {
  readonly batches: LogEvent[] = [];

  dispatchEvent = async (event: LogEvent): Promise<{ statusCode: number }> => {
    this.batches.push(event);
    return { statusCode: 200 };
  };

  /** Every event of every batch, in order. */
  get events(): DispatchedEvent[] {
    return this.batches.flatMap((batch) =>
      batch.params.visitors.flatMap((visitor) => {
        const attributes = Object.fromEntries(visitor.attributes.map((a) => [a.key, a.value]));
        return visitor.snapshots.flatMap((snapshot) =>
          snapshot.events.map((e, i) => {
            const d = snapshot.decisions?.[i] ?? snapshot.decisions?.[0];
            return {
              visitorId: visitor.visitor_id,
              key: e.key,
              entityId: e.entity_id,
              tags: { ...(e.tags ?? {}) },
              attributes,
              ...(e.key === "campaign_activated" && d
                ? {
                    decision: {
                      experimentId: d.experiment_id,
                      variationId: d.variation_id,
                      ...(d.metadata?.variation_key === undefined
                        ? {}
                        : { variationKey: d.metadata.variation_key }),
                    },
                  }
                : {}),
            };
          }),
        );
      }),
    );
  }

  /** The impressions (`campaign_activated`) reported for one experiment id. */
  impressionsOf(experimentId: string): DispatchedEvent[] {
    return this.events.filter(
      (e) => e.key === "campaign_activated" && e.decision?.experimentId === experimentId,
    );
  }
}
