import { MemoryEventStore } from "@assay/core";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { describe, expect, it } from "vitest";
import { createStepExperiments, experiment } from "../src/index.js";
import { scoreInngestRun, scoreStepId, withAssay } from "../src/inngest/index.js";
import { exposures, outcomes } from "./helpers.js";
import { reportedStep } from "./inngest-helpers.js";

function summarizer(inngest: Inngest.Any, steps: ReturnType<typeof createStepExperiments>) {
  return inngest.createFunction(
    { id: "summarize", triggers: [{ event: "doc/uploaded" }] },
    withAssay(steps, async ({ step, group }) => {
      const out = await group.experiment("model", {
        variants: {
          small: async (v) => {
            const summary = await step.run("small", () => "short summary");
            await v.score("words", summary.split(" ").length);
            return summary;
          },
          large: async (v) => {
            const summary = await step.run("large", () => "a much longer summary");
            await v.score("words", summary.split(" ").length);
            return summary;
          },
        },
        select: experiment.fixed("large"),
        withVariant: true,
      });
      return out.ref;
    }),
  );
}

describe("Inngest adapter: scores go through the SDK's score API", () => {
  it("an in-variant score is one step that writes inngest.score attributed to the experiment, and the Assay outcome", async () => {
    const store = new MemoryEventStore();
    const steps = createStepExperiments({ store });
    const fn = summarizer(new Inngest({ id: "scores-test" }), steps);
    const scored = await reportedStep(fn, scoreStepId("model", "words"));
    // The step runs inside the experiment's context, so Inngest's trace places it under the variant.
    expect(scored.opts).toMatchObject({
      experimentName: "model",
      variant: "large",
      selectionStrategy: "fixed",
    });
    expect(scored.metadata).toEqual([
      { kind: "inngest.experiment", scope: "run", op: "merge", values: { name: "model", variant: "large" } },
      { kind: "inngest.score", scope: "run", op: "merge", values: { words: { value: 4 } } },
    ]);
    // Outcomes are attributed to the variant of the unit's exposure.
    const [exposure] = exposures(store.all(), "model");
    expect(exposure?.variantId).toBe("large");
    expect(outcomes(store.all(), "model").map((o) => [o.metric, o.value, o.userId])).toEqual([
      ["words", { kind: "numeric", value: 4 }, exposure?.userId],
    ]);
  });

  it("a replay of the run does not write the score again: the step is memoized", async () => {
    const store = new MemoryEventStore();
    const steps = createStepExperiments({ store });
    const fn = summarizer(new Inngest({ id: "scores-replay" }), steps);
    const t = new InngestTestEngine({ function: fn });
    await t.execute();
    await t.execute(); // one engine replays its earlier executions' step state
    expect(outcomes(store.all(), "model")).toHaveLength(1);
  });

  it("scoreInngestRun writes a late score to Assay and to Inngest's run metadata API with the experiment ref", async () => {
    const requests: { url: string; body: unknown }[] = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      requests.push({ url: String(url), body: JSON.parse(String(init?.body)) });
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    const inngest = new Inngest({
      id: "late-scores",
      fetch: fakeFetch,
      baseUrl: "http://inngest.test",
      isDev: true,
    });
    const store = new MemoryEventStore();
    const steps = createStepExperiments({ store });
    const { result } = await new InngestTestEngine({ function: summarizer(inngest, steps) }).execute();
    const ref = JSON.parse(JSON.stringify(result));

    await scoreInngestRun(inngest, steps, ref, "thumbs_up", true);
    expect(outcomes(store.all(), "model").map((o) => [o.metric, o.userId])).toEqual([
      ["words", ref.runId],
      ["thumbs_up", ref.runId],
    ]);
    expect(exposures(store.all(), "model").map((e) => [e.variantId, e.userId])).toEqual([
      ["large", ref.runId],
    ]);
    expect(requests.map((r) => r.url)).toEqual([
      `http://inngest.test/v1/runs/${ref.runId}/metadata`,
      `http://inngest.test/v1/runs/${ref.runId}/metadata`,
    ]);
    expect(requests.map((r) => r.body)).toEqual([
      {
        target: { run_id: ref.runId },
        metadata: [{ kind: "inngest.experiment", op: "merge", values: { name: "model", variant: "large" } }],
      },
      {
        target: { run_id: ref.runId },
        metadata: [{ kind: "inngest.score", op: "merge", values: { thumbs_up: { value: true } } }],
      },
    ]);
  });
});
