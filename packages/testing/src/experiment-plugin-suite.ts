import {
  type EventStore,
  type ExperimentContext,
  type ExperimentDefinition,
  ExperimentError,
  type ExperimentPlugin,
  MemoryEventStore,
} from "@assay/core";
import { describe, expect, it } from "vitest";
import { chiSquarePValue } from "./chi-square.js";
import { conformanceExperiments, sampleIds } from "./fixtures.js";

/** How the suite builds the backend under test. */
export interface ExperimentPluginHarness {
  /** A fresh backend that serves `experiments` and records into `store`. Called several times. */
  create(setup: {
    readonly experiments: readonly ExperimentDefinition[];
    readonly store: EventStore;
  }): ExperimentPlugin | Promise<ExperimentPlugin>;
  /** Units per distribution check; default 100,000. */
  readonly units?: number;
}

const user = (userId: string): ExperimentContext => ({ userId, attributes: {} });

/**
 * The contract every ExperimentPlugin honours, as one vitest suite: determinism across instances, purity,
 * distribution against the weights, anonymous units, typed errors, and the exposure/outcome round trip
 * through the injected store. A new backend starts by running it:
 *
 * ```ts
 * testExperimentPlugin("my-backend", { create: ({ experiments, store }) => new MyBackend({ experiments, store }) });
 * ```
 */
export function testExperimentPlugin(name: string, harness: ExperimentPluginHarness): void {
  const units = harness.units ?? 100_000;
  const build = async (store: EventStore = new MemoryEventStore()) => {
    const plugin = await harness.create({ experiments: conformanceExperiments, store });
    await plugin.init?.();
    return plugin;
  };

  describe(`ExperimentPlugin conformance: ${name}`, () => {
    it("has a name", async () => {
      const plugin = await build();
      expect(typeof plugin.name).toBe("string");
      expect(plugin.name.length).toBeGreaterThan(0);
    });

    it("assigns deterministically across instances", async () => {
      const [a, b] = [await build(), await build()];
      for (const id of sampleIds(20_000, 1)) {
        for (const experiment of conformanceExperiments) {
          expect(b.assign(experiment.id, user(id)).variantId).toBe(
            a.assign(experiment.id, user(id)).variantId,
          );
        }
      }
    });

    it("returns well-formed variants of the declared experiment", async () => {
      const plugin = await build();
      for (const experiment of conformanceExperiments) {
        const declared = new Map(experiment.variants.map((v) => [v.id, v.isControl]));
        for (const id of sampleIds(2_000, 2)) {
          const variant = plugin.assign(experiment.id, user(id));
          expect(variant.experiment).toBe(experiment.id);
          expect(declared.has(variant.variantId)).toBe(true);
          expect(variant.isControl).toBe(declared.get(variant.variantId));
          expect(variant.inExperiment).toBe(true);
          expect(variant.reason).toBe("hash");
        }
      }
    });

    it("is pure: assigning records nothing and repeats the same answer", async () => {
      const store = new MemoryEventStore();
      const plugin = await build(store);
      const first = plugin.assign("conformance_even", user("alice"));
      for (let i = 0; i < 10_000; i++)
        expect(plugin.assign("conformance_even", user("alice"))).toEqual(first);
      await plugin.flush?.();
      expect(store.all()).toHaveLength(0);
    });

    for (const experiment of conformanceExperiments) {
      const weights = experiment.variants.map((v) => v.weight);
      const index = new Map(experiment.variants.map((v, i) => [v.id, i]));
      const shares = async (ids: Iterable<string>) => {
        const plugin = await build();
        const counts = weights.map(() => 0);
        for (const id of ids) counts[index.get(plugin.assign(experiment.id, user(id)).variantId)!]!++;
        return counts;
      };

      it(`splits ${units} random ids by the weights of ${experiment.id} (${weights.join("/")})`, async () => {
        const counts = await shares(sampleIds(units, 3));
        expect(chiSquarePValue(counts, weights)).toBeGreaterThan(1e-4);
      });

      it(`splits ${units} sequential ids (user-1, user-2, ...) by the weights of ${experiment.id}`, async () => {
        const ids = Array.from({ length: units }, (_, i) => `user-${i + 1}`);
        const counts = await shares(ids);
        expect(chiSquarePValue(counts, weights)).toBeGreaterThan(1e-4);
      });
    }

    it("gives anonymous units control, not enrolled", async () => {
      const plugin = await build();
      for (const experiment of conformanceExperiments) {
        const control = experiment.variants.find((v) => v.isControl)!.id;
        for (const ctx of [{ attributes: {} }, { sessionId: "s-1", attributes: { country: "FR" } }]) {
          const variant = plugin.assign(experiment.id, ctx);
          expect(variant).toMatchObject({
            variantId: control,
            isControl: true,
            inExperiment: false,
            reason: "anonymous",
          });
        }
      }
    });

    it("throws EXPERIMENT_NOT_FOUND (404) for an undeclared experiment", async () => {
      const plugin = await build();
      const error = catchError(() => plugin.assign("no_such_experiment", user("alice")));
      expect(ExperimentError.is(error, "EXPERIMENT_NOT_FOUND")).toBe(true);
      expect((error as ExperimentError).status).toBe(404);
      expect((error as Error).message).toContain("no_such_experiment");
    });

    it("throws INVALID_CONTEXT (400) for unusable contexts", async () => {
      const plugin = await build();
      const bad: unknown[] = [
        null,
        undefined,
        42,
        { userId: 42, attributes: {} },
        { userId: "", attributes: {} },
      ];
      for (const ctx of bad) {
        const error = catchError(() => plugin.assign("conformance_even", ctx as ExperimentContext));
        expect(ExperimentError.is(error, "INVALID_CONTEXT"), `context ${JSON.stringify(ctx)}`).toBe(true);
        expect((error as ExperimentError).status).toBe(400);
      }
    });

    it("records exposures and outcomes into the injected store", async () => {
      const store = new MemoryEventStore();
      const plugin = await build(store);
      const at = new Date("2026-01-01T00:00:00Z");
      const later = new Date("2026-01-01T00:05:00Z");
      const assigned = ["u1", "u2", "u3"].map((id) => ({
        id,
        variant: plugin.assign("conformance_even", user(id)),
      }));
      for (const { id, variant } of assigned) {
        await plugin.recordExposure({
          experiment: variant.experiment,
          variantId: variant.variantId,
          userId: id,
          timestamp: at,
        });
      }
      await plugin.recordOutcome({
        experiment: "conformance_even",
        metric: "purchase",
        value: { kind: "bool", value: true },
        userId: "u1",
        timestamp: later,
      });
      await plugin.flush?.();
      const summary = await store.summarize({ experiment: "conformance_even" });
      const exposed = summary.variants.reduce((a, v) => a + v.exposedUnits, 0);
      expect(exposed).toBe(3);
      const purchase = summary.metrics.find((m) => m.metric === "purchase")!;
      expect(purchase.kind).toBe("bool");
      const u1Variant = assigned[0]!.variant.variantId;
      expect(purchase.variants.find((v) => v.variantId === u1Variant)).toMatchObject({
        sum: 1,
        sumSquares: 1,
      });
      expect(purchase.variants.reduce((a, v) => a + v.n, 0)).toBe(3);
    });

    it("ignores a repeated eventId", async () => {
      const store = new MemoryEventStore();
      const plugin = await build(store);
      const variant = plugin.assign("conformance_even", user("dup"));
      const record = {
        experiment: variant.experiment,
        variantId: variant.variantId,
        userId: "dup",
        timestamp: new Date(),
        eventId: "e-1",
      };
      await plugin.recordExposure(record);
      await plugin.recordExposure(record);
      await plugin.flush?.();
      const summary = await store.summarize({ experiment: "conformance_even" });
      expect(summary.variants.reduce((a, v) => a + v.exposures, 0)).toBe(1);
    });

    it("refuses bad records with INVALID_CONTEXT or EXPERIMENT_NOT_FOUND", async () => {
      const plugin = await build();
      const now = new Date();
      const cases: Array<[string, () => Promise<void>, string]> = [
        [
          "unknown variant",
          () =>
            plugin.recordExposure({
              experiment: "conformance_even",
              variantId: "nope",
              userId: "a",
              timestamp: now,
            }),
          "INVALID_CONTEXT",
        ],
        [
          "unknown experiment",
          () =>
            plugin.recordExposure({ experiment: "nope", variantId: "control", userId: "a", timestamp: now }),
          "EXPERIMENT_NOT_FOUND",
        ],
        [
          "invalid timestamp",
          () =>
            plugin.recordExposure({
              experiment: "conformance_even",
              variantId: "control",
              userId: "a",
              timestamp: new Date("x"),
            }),
          "INVALID_CONTEXT",
        ],
        [
          "no unit",
          () =>
            plugin.recordExposure({ experiment: "conformance_even", variantId: "control", timestamp: now }),
          "INVALID_CONTEXT",
        ],
        [
          "NaN outcome",
          () =>
            plugin.recordOutcome({
              experiment: "conformance_even",
              metric: "m",
              value: { kind: "numeric", value: Number.NaN },
              userId: "a",
              timestamp: now,
            }),
          "INVALID_CONTEXT",
        ],
        [
          "fractional count",
          () =>
            plugin.recordOutcome({
              experiment: "conformance_even",
              metric: "m",
              value: { kind: "count", value: 1.5 },
              userId: "a",
              timestamp: now,
            }),
          "INVALID_CONTEXT",
        ],
        [
          "empty metric",
          () =>
            plugin.recordOutcome({
              experiment: "conformance_even",
              metric: "",
              value: { kind: "bool", value: true },
              userId: "a",
              timestamp: now,
            }),
          "INVALID_CONTEXT",
        ],
      ];
      for (const [label, run, code] of cases) {
        const error = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(ExperimentError.is(error, code as ExperimentError["code"]), label).toBe(true);
      }
    });
  });
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
