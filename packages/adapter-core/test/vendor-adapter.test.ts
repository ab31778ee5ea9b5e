import {
  BackendError,
  type EventStore,
  type ExperimentDefinition,
  InvalidContextError,
  makeVariant,
  OutcomeValue,
  type StoredEvent,
  type Variant,
} from "@assay/core";
import { describe, expect, it } from "vitest";
import {
  type AttributedExposure,
  type AttributedOutcome,
  type AttributedRecord,
  type ServedExperiment,
  VendorAdapter,
} from "../src/index.js";

const definition = {
  id: "checkout",
  unit: "user",
  enabled: true,
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "treatment", weight: 1, isControl: false },
  ],
} as unknown as ExperimentDefinition;

interface Served extends ServedExperiment {
  readonly treatment: Variant;
  readonly outside: Variant;
}

/** A vendor that enrolls a user in treatment when assign saw it with `plan = pro`. */
interface FakeClient {
  readonly sent: string[];
}

class FakeAdapter extends VendorAdapter<Served, FakeClient> {
  readonly counts = { forwarded: 0, untracked: 0 };

  constructor(store: EventStore) {
    super("fake", { experiments: [definition], store }, (d) => ({
      definition: d,
      variantIds: new Set(d.variants.map((v) => v.id)),
      treatment: makeVariant(d.id, "treatment", false, true, "hash"),
      outside: makeVariant(d.id, "control", true, false, "traffic"),
    }));
  }

  init(): void {
    this.client = { sent: [] };
  }

  assign(experiment: string, ctx: { userId: string; attributes: Record<string, string> }): Variant {
    this.contexts.remember(experiment, ctx);
    return this.evaluate(this.lookup(experiment), ctx.attributes);
  }

  get sent(): readonly string[] {
    return this.requireClient().sent;
  }

  recordExposure(exposure: AttributedExposure): Promise<void> {
    return this.forwardExposure(exposure, {
      userOf: (_served, record: AttributedRecord) =>
        record.userId === undefined
          ? undefined
          : { id: record.userId, attributes: this.contexts.attributesFor(record) },
      evaluate: (served, user) => this.evaluate(served, user.attributes),
      send: (client, _served, user) => {
        client.sent.push(`exposure ${user.id}`);
        this.counts.forwarded++;
      },
      untracked: () => this.counts.untracked++,
    });
  }

  recordOutcome(outcome: AttributedOutcome): Promise<void> {
    return this.forwardOutcome(outcome, (client, served) => {
      client.sent.push(`outcome ${served.definition.id} ${outcome.metric}`);
    });
  }

  private evaluate(served: Served, attributes: Readonly<Record<string, string>>): Variant {
    return attributes.plan === "pro" ? served.treatment : served.outside;
  }
}

function memoryStore(): EventStore & { readonly events: StoredEvent[] } {
  const events: StoredEvent[] = [];
  return {
    name: "memory",
    events,
    async append(batch) {
      events.push(...batch);
      return { inserted: batch.length, duplicates: 0 };
    },
  } as EventStore & { readonly events: StoredEvent[] };
}

const timestamp = new Date("2026-01-01T00:00:00Z");

describe("VendorAdapter", () => {
  it("names itself after the vendor unless given a name, and refuses an experiment declared twice", () => {
    const store = memoryStore();
    expect(new FakeAdapter(store).name).toBe("fake");
    class Twice extends VendorAdapter<ServedExperiment, FakeClient> {
      constructor() {
        super("fake", { name: "mine", experiments: [definition, definition], store }, (d) => ({
          definition: d,
          variantIds: new Set(),
        }));
      }
    }
    expect(() => new Twice()).toThrow(/checkout is declared twice/);
  });

  it("refuses records before init with a BackendError naming the vendor and the adapter", async () => {
    const adapter = new FakeAdapter(memoryStore());
    const exposure = { experiment: "checkout", variantId: "treatment", userId: "u1", timestamp };
    await expect(adapter.recordExposure(exposure)).rejects.toThrow(BackendError);
    await expect(adapter.recordExposure(exposure)).rejects.toThrow(
      "fake: fake is not initialised (call init)",
    );
  });

  it("forwards an exposure the vendor reproduces with the assign-time context, and stores every exposure", async () => {
    const store = memoryStore();
    const adapter = new FakeAdapter(store);
    adapter.init();
    expect(adapter.assign("checkout", { userId: "u1", attributes: { plan: "pro" } }).variantId).toBe(
      "treatment",
    );
    await adapter.recordExposure({ experiment: "checkout", variantId: "treatment", userId: "u1", timestamp });
    // u2 was never assigned: the vendor sees no plan, puts the unit outside, and is not told
    await adapter.recordExposure({ experiment: "checkout", variantId: "treatment", userId: "u2", timestamp });
    // shown control while the vendor says treatment: not forwarded either
    await adapter.recordExposure({ experiment: "checkout", variantId: "control", userId: "u1", timestamp });
    expect(adapter.sent).toEqual(["exposure u1"]);
    expect(adapter.counts).toEqual({ forwarded: 1, untracked: 2 });
    expect(store.events.map((e) => [e.type, e.userId, e.type === "exposure" ? e.variantId : ""])).toEqual([
      ["exposure", "u1", "treatment"],
      ["exposure", "u2", "treatment"],
      ["exposure", "u1", "control"],
    ]);
  });

  it("refuses an exposure of an undeclared variant or an unknown experiment before anything is sent or stored", async () => {
    const store = memoryStore();
    const adapter = new FakeAdapter(store);
    adapter.init();
    await expect(
      adapter.recordExposure({ experiment: "checkout", variantId: "blue", userId: "u1", timestamp }),
    ).rejects.toThrow(InvalidContextError);
    await expect(
      adapter.recordExposure({ experiment: "nope", variantId: "control", userId: "u1", timestamp }),
    ).rejects.toMatchObject({ code: "EXPERIMENT_NOT_FOUND" });
    expect(adapter.sent).toEqual([]);
    expect(store.events).toEqual([]);
  });

  it("hands an outcome to the vendor and stores it", async () => {
    const store = memoryStore();
    const adapter = new FakeAdapter(store);
    adapter.init();
    await adapter.recordOutcome({
      experiment: "checkout",
      metric: "checkout",
      value: OutcomeValue.bool(true),
      userId: "u1",
      timestamp,
    });
    expect(adapter.sent).toEqual(["outcome checkout checkout"]);
    expect(store.events.map((e) => [e.type, e.userId])).toEqual([["outcome", "u1"]]);
  });
});
