import { MemoryEventStore } from "@assay/core";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { describe, expect, it } from "vitest";
import { createStepExperiments, experiment } from "../src/index.js";
import { exposureStepId, selectionStepId, withAssay } from "../src/inngest/index.js";
import { exposures } from "./helpers.js";

const inngest = new Inngest({ id: "assay-steps-race" });

/** A function whose selector answers differently on every call: a, b, c, a, ... */
function racingFunction() {
  const store = new MemoryEventStore();
  const steps = createStepExperiments({ store });
  const executed: string[] = [];
  let calls = 0;
  const choices = ["a", "b", "c"];
  const work = (v: string) => () => {
    executed.push(v);
    return v;
  };
  const fn = inngest.createFunction(
    { id: "checkout", triggers: [{ event: "x" }] },
    withAssay(steps, async ({ step, group }) =>
      group.experiment("checkout", {
        variants: {
          a: () => step.run("work-a", work("a")),
          b: () => step.run("work-b", work("b")),
          c: () => step.run("work-c", work("c")),
        },
        select: experiment.custom(() => choices[calls++ % choices.length]!),
      }),
    ),
  );
  return { fn, store, executed };
}

/** A step the Inngest server saved, as the state of the next request of the run. */
function saved(step: { id: string; data?: unknown }) {
  return { id: step.id, idIsHashed: true, handler: () => step.data };
}

describe("Inngest: exposure after the durable selection, under racing attempts and a crash between the steps", () => {
  it.each([0, 1])(
    "two attempts select differently, the server keeps the first, both die before the next step; keeps attempt %i",
    async (winner) => {
      const { fn, store, executed } = racingFunction();
      // Two attempts of one run execute the selection step before either result is saved.
      const attempts = [
        await new InngestTestEngine({ function: fn }).executeStep(selectionStepId("checkout")),
        await new InngestTestEngine({ function: fn }).executeStep(selectionStepId("checkout")),
      ];
      expect(attempts.map((a) => a.step.data)).toEqual(["a", "b"]);
      // Both die here: no exposure exists yet, so none can disagree with what the run will execute.
      expect(exposures(store.all())).toEqual([]);

      // Inngest keeps the first result to arrive; the run resumes from it in a new request, whose selector
      // would now answer "c".
      const kept = attempts[winner]!.step;
      const resumed = await new InngestTestEngine({ function: fn }).execute({ steps: [saved(kept)] });
      expect(resumed.result).toBe(kept.data);
      expect(executed).toEqual([kept.data]);
      expect(exposures(store.all()).map((e) => e.variantId)).toEqual([kept.data]);
    },
  );

  it("a crash after the exposure step: the resumed run neither exposes again nor changes variant", async () => {
    const { fn, store, executed } = racingFunction();
    const selection = (await new InngestTestEngine({ function: fn }).executeStep(selectionStepId("checkout")))
      .step;
    const exposure = (
      await new InngestTestEngine({ function: fn }).executeStep(exposureStepId("checkout"), {
        steps: [saved(selection)],
      })
    ).step;
    // The attempt dies here, after the exposure step and before the variant's work.
    expect(exposures(store.all()).map((e) => e.variantId)).toEqual([selection.data]);
    expect(executed).toEqual([]);

    const resumed = await new InngestTestEngine({ function: fn }).execute({
      steps: [saved(selection), saved(exposure)],
    });
    expect(resumed.result).toBe(selection.data);
    expect(executed).toEqual([selection.data]);
    expect(exposures(store.all()).map((e) => e.variantId)).toEqual([selection.data]);
  });
});
