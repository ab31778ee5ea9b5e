import { MemoryEventStore } from "@assay/core";
import { InngestTestEngine } from "@inngest/test";
import { type Context, Inngest, NonRetriableError } from "inngest";
import { describe, expect, it, vi } from "vitest";
import { createStepExperiments, experiment, type SelectionStrategy } from "../src/index.js";
import {
  type AssayInngestContext,
  assayTools,
  exposureStepId,
  selectionStepId,
  withAssay,
} from "../src/inngest/index.js";
import { exposures, outcomes } from "./helpers.js";
import { memoizedState, reportedStep } from "./inngest-helpers.js";

const inngest = new Inngest({ id: "assay-steps-test" });

function setup() {
  const store = new MemoryEventStore();
  const steps = createStepExperiments({ store });
  return { store, steps };
}

describe("Inngest adapter: the SDK's own group.experiment (real SDK execution through @inngest/test)", () => {
  function invoiceFunction(steps: ReturnType<typeof setup>["steps"], select: SelectionStrategy) {
    return inngest.createFunction(
      { id: "generate-invoice", triggers: [{ event: "billing/invoice.requested" }] },
      withAssay(steps, async ({ event, step, group }) =>
        group.experiment("invoice-engine", {
          variants: {
            current: () => step.run("generate-current", () => `v1:${event.data.id}`),
            rewrite: () => step.run("generate-rewrite", () => `v2:${event.data.id}`),
          },
          select,
          withVariant: true,
        }),
      ),
    );
  }

  it("the selection is the SDK's experiment step, with inngest.experiment metadata: name, variant, strategy, weights", async () => {
    const { steps } = setup();
    const fn = invoiceFunction(steps, experiment.weighted({ current: 0, rewrite: 1 }));
    const selection = await reportedStep(fn, selectionStepId("invoice-engine"));
    expect(selection.name).toBe("invoice-engine");
    expect(selection.opts).toEqual({ type: "group.experiment" });
    expect(selection.data).toBe("rewrite");
    expect(selection.metadata).toEqual([
      {
        kind: "inngest.experiment",
        scope: "step",
        op: "set",
        values: {
          name: "invoice-engine",
          variant: "rewrite",
          selection_strategy: "weighted",
          available_variants: ["current", "rewrite"],
          variant_weights: { current: 0, rewrite: 1 },
        },
      },
    ]);
  });

  it.each([
    [
      "bucket",
      experiment.bucket("acct-7", { weights: { current: 3, rewrite: 1 } }),
      { current: 3, rewrite: 1 },
    ],
    ["bucket", experiment.bucket("acct-7", { hash: "inngest" }), undefined],
    ["custom", experiment.custom(() => "current"), undefined],
    ["fixed", experiment.fixed("current"), undefined],
  ] as const)(
    "strategy %s is reported as such, with its weights when it has them",
    async (kind, select, weights) => {
      const { steps } = setup();
      const values = (await reportedStep(invoiceFunction(steps, select), "invoice-engine")).metadata?.[0]
        ?.values;
      expect(values?.selection_strategy).toBe(kind);
      expect(values?.variant_weights).toEqual(weights);
      expect(["current", "rewrite"]).toContain(values?.variant);
    },
  );

  it("runs only the memoized variant, after an exposure step of that variant inside the experiment's context", async () => {
    const { store, steps } = setup();
    const fn = invoiceFunction(steps, experiment.weighted({ current: 0, rewrite: 1 }));
    const t = new InngestTestEngine({ function: fn });
    const { result, ctx } = await t.execute({
      events: [{ name: "billing/invoice.requested", data: { id: 7 } }],
    });
    expect(result).toMatchObject({ result: "v2:7", variant: "rewrite" });
    expect(ctx.step.run).toHaveBeenCalledWith(exposureStepId("invoice-engine"), expect.any(Function));
    expect(ctx.step.run).toHaveBeenCalledWith("generate-rewrite", expect.any(Function));
    expect(ctx.step.run).not.toHaveBeenCalledWith("generate-current", expect.any(Function));
    expect(exposures(store.all(), "invoice-engine")).toHaveLength(1);
    expect(exposures(store.all())[0]).toMatchObject({ variantId: "rewrite" });

    const exposure = await reportedStep(fn, exposureStepId("invoice-engine"));
    expect(exposure.opts).toMatchObject({
      experimentName: "invoice-engine",
      variant: "rewrite",
      selectionStrategy: "weighted",
    });
    const work = await reportedStep(fn, "generate-rewrite");
    expect(work.opts).toMatchObject({ experimentName: "invoice-engine", variant: "rewrite" });
  });
});

describe("Inngest adapter: retries, errors and scores", () => {
  it("a run that fails after selection and is retried gets the same variant without calling the selector again", async () => {
    const { store, steps } = setup();
    const selector = vi.fn<() => string>().mockReturnValueOnce("rewrite").mockReturnValue("current");
    const work = { current: vi.fn(() => "v1"), rewrite: vi.fn(() => "v2") };
    let failNotify = true;
    const fn = inngest.createFunction(
      { id: "invoice", triggers: [{ event: "billing/invoice.requested" }] },
      withAssay(steps, async ({ step, group }) => {
        const invoice = await group.experiment("invoice-engine", {
          variants: {
            current: () => step.run("generate-current", work.current),
            rewrite: () => step.run("generate-rewrite", work.rewrite),
          },
          select: experiment.custom(selector),
          withVariant: true,
        });
        await step.run("notify", () => {
          if (failNotify) throw new Error("SMTP timeout");
          return "sent";
        });
        return invoice;
      }),
    );

    const first = await new InngestTestEngine({ function: fn }).execute();
    expect((first as { error?: { message: string } }).error?.message).toBe("SMTP timeout");
    expect(selector).toHaveBeenCalledTimes(1);

    // The retry: a new execution that starts from the steps the first attempt completed.
    failNotify = false;
    const retry = await new InngestTestEngine({ function: fn }).execute({
      steps: await memoizedState(first.state),
    });
    expect(retry.result).toMatchObject({ result: "v2", variant: "rewrite" });
    expect(selector).toHaveBeenCalledTimes(1);
    expect(work.rewrite).toHaveBeenCalledTimes(1);
    expect(work.current).not.toHaveBeenCalled();
    expect(exposures(store.all(), "invoice-engine")).toHaveLength(1);
  });

  it("weighted selection survives replays even where each request sees another run id", async () => {
    const { store, steps } = setup();
    const executed: string[] = [];
    const ran = (x: string) => {
      executed.push(x);
      return x;
    };
    const fn = inngest.createFunction(
      { id: "multi-step", triggers: [{ event: "x" }] },
      withAssay(steps, async ({ step, group }) => {
        const out = await group.experiment("canary", {
          variants: {
            a: async () => `${await step.run("a1", () => ran("a"))}${await step.run("a2", () => ran("A"))}`,
            b: async () => `${await step.run("b1", () => ran("b"))}${await step.run("b2", () => ran("B"))}`,
          },
          select: experiment.weighted({ a: 50, b: 50 }),
          withVariant: true,
        });
        await step.run("after", () => 1);
        return out;
      }),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      executed.length = 0;
      const { result } = await new InngestTestEngine({ function: fn }).execute();
      const { variant, result: value } = result as { variant: string; result: string };
      seen.add(variant);
      expect(value).toBe(variant === "a" ? "aA" : "bB");
      // No request of the run ever ran a step of the other variant.
      expect(executed.map((x) => x.toLowerCase())).toEqual([variant, variant]);
    }
    expect(seen.size).toBe(2);
    expect(exposures(store.all(), "canary")).toHaveLength(20);
  });

  it("configuration errors fail the run with a NonRetriableError that says what to fix", async () => {
    const { steps } = setup();
    const run = async (
      handler: (ctx: AssayInngestContext<Context>) => unknown,
    ): Promise<{ error: Error & { name: string } }> => {
      const fn = inngest.createFunction(
        { id: `bad-${Math.random()}`, triggers: [{ event: "x" }] },
        withAssay(steps, handler),
      );
      return (await new InngestTestEngine({ function: fn }).execute()) as never;
    };

    const unknown = await run(({ step, group }) =>
      group.experiment("copy", {
        variants: { short: () => step.run("s", () => 1), long: () => step.run("l", () => 2) },
        select: experiment.custom(() => "medium"),
      }),
    );
    expect(unknown.error.name).toBe(NonRetriableError.name);
    expect(unknown.error.message).toBe(
      'group.experiment("copy"): the custom selector returned string "medium", which is not a variant; valid variants: "short", "long"',
    );

    const lazy = await run(({ group }) =>
      group.experiment("lazy", { variants: { a: async () => "no step" }, select: experiment.fixed("a") }),
    );
    expect(lazy.error.name).toBe(NonRetriableError.name);
    expect(lazy.error.message).toContain('variant "a" performed no durable step; wrap its work in step.run(');

    const twice = await run(async ({ step, group }) => {
      const variants = { a: () => step.run("a", () => 1) };
      await group.experiment("dup", { variants, select: experiment.fixed("a") });
      return group.experiment("dup", { variants, select: experiment.fixed("a") });
    });
    expect(twice.error.name).toBe(NonRetriableError.name);
    expect(twice.error.message).toContain('group.experiment("dup"): the id is used twice in one run');

    const nan = await run(({ step, group }) =>
      group.experiment("scored", {
        variants: {
          a: async (v) => {
            const ms = await step.run("a", () => 0);
            await v.score("per-item", ms / 0 - ms / 0);
          },
        },
        select: experiment.fixed("a"),
      }),
    );
    expect(nan.error.name).toBe(NonRetriableError.name);
    expect(nan.error.message).toContain(
      'score("per-item") in group.experiment("scored"): the value must be a finite number or a boolean, got NaN',
    );
  });

  it("scores inside the variant and later through the ref are attributed to the run's variant, once each", async () => {
    const { store, steps } = setup();
    const fn = inngest.createFunction(
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
        await step.run("store-summary", () => true);
        return out.ref;
      }),
    );
    const { result } = await new InngestTestEngine({ function: fn }).execute();
    const ref = JSON.parse(JSON.stringify(result));
    await steps.score(ref, "thumbs-up", true);
    const scores = outcomes(store.all(), "model");
    expect(scores.map((o) => [o.metric, o.value])).toEqual([
      ["words", { kind: "numeric", value: 4 }],
      ["thumbs-up", { kind: "bool", value: true }],
    ]);
    const exposure = exposures(store.all(), "model")[0]!;
    expect(scores.every((o) => o.userId === exposure.userId)).toBe(true);
  });

  it("a run whose memoized variant a deploy removed fails non-retriably, naming the variant", async () => {
    const { steps } = setup();
    const fn = inngest.createFunction(
      { id: "removed", triggers: [{ event: "x" }] },
      withAssay(steps, async ({ step, group }) =>
        group.experiment("engine", {
          variants: { current: () => step.run("current", () => 1) },
          select: experiment.fixed("current"),
        }),
      ),
    );
    // The run selected "rewrite" before the deploy that removed it.
    const { error } = (await new InngestTestEngine({ function: fn }).execute({
      steps: [{ id: selectionStepId("engine"), handler: () => "rewrite" }],
    })) as { error: Error };
    expect(error.name).toBe(NonRetriableError.name);
    expect(error.message).toBe(
      'group.experiment("engine"): this run selected "rewrite" before, which is no longer a variant (valid: "current"); keep a variant until the runs that selected it have finished',
    );
  });

  it("keeps the SDK's other group tools and leaves uninstrumented functions alone", async () => {
    const { steps } = setup();
    const fn = inngest.createFunction(
      { id: "parallel", triggers: [{ event: "x" }] },
      withAssay(steps, async ({ step, group }) => {
        expect(typeof group.parallel).toBe("function");
        return step.run("only", () => 42);
      }),
    );
    const { result } = await new InngestTestEngine({ function: fn }).execute();
    expect(result).toBe(42);
  });
});

describe("Inngest adapter: assayTools inside a plain handler", () => {
  it("gives typed ctx access and points out the SDK's own experiment helpers", async () => {
    const { store, steps } = setup();
    const { experiment: sdkExperiment } = await import("inngest");
    const fn = inngest.createFunction({ id: "tools", triggers: [{ event: "app/signup" }] }, async (ctx) => {
      const { step, group } = assayTools(steps, ctx);
      const greeting = await group.experiment("greeting", {
        variants: {
          formal: () => step.run("formal", () => `Dear ${ctx.event.data.name}`),
          casual: () => step.run("casual", () => `Hi ${ctx.event.data.name}`),
        },
        select: experiment.bucket(ctx.event.data.name as string),
      });
      const misuse = await group
        .experiment("sdk-helper", {
          variants: { a: () => step.run("a", () => 1) },
          select: sdkExperiment.fixed("a") as never,
        })
        .catch((e: Error) => e.message);
      return { greeting, misuse };
    });
    const { result } = await new InngestTestEngine({ function: fn }).execute({
      events: [{ name: "app/signup", data: { name: "Ada" } }],
    });
    const { greeting, misuse } = result as { greeting: string; misuse: string };
    expect(["Dear Ada", "Hi Ada"]).toContain(greeting);
    expect(misuse).toContain(
      `this one is the Inngest SDK's: import { experiment } from "@assay/steps" instead of "inngest"`,
    );
    expect(exposures(store.all(), "greeting")[0]?.userId).toBe("Ada");
  });
});
