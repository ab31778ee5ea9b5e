import { describe, expect, it, vi } from "vitest";
import { type ExperimentRef, experiment, StepExperimentError, score } from "../src/index.js";
import { exposures, memorySetup, outcomes } from "./helpers.js";

describe("plain Node runs", () => {
  it("a run that fails after selection and is retried gets the same variant without calling the selector again", async () => {
    const { steps, store } = memorySetup();
    // The selector would answer differently on a second call, so a re-selection would show.
    const selector = vi.fn<() => string>().mockReturnValueOnce("rewrite").mockReturnValue("current");
    const work = { current: vi.fn(() => "v1"), rewrite: vi.fn(() => "v2") };
    let failNotify = true;
    const attempt = () =>
      steps.run("invoice-42", async ({ step, group }) => {
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
      });

    await expect(attempt()).rejects.toThrow("SMTP timeout");
    failNotify = false;
    const retried = await attempt();

    expect(retried.variant).toBe("rewrite");
    expect(retried.result).toBe("v2");
    expect(selector).toHaveBeenCalledTimes(1);
    expect(work.rewrite).toHaveBeenCalledTimes(1); // the completed step was not run again
    expect(work.current).not.toHaveBeenCalled();
    expect(exposures(store.all(), "invoice-engine")).toHaveLength(1);
  });

  it("only the selected variant runs; the bare result is returned unless withVariant is set", async () => {
    const { steps } = memorySetup();
    const other = vi.fn(() => "never");
    const out = await steps.run("r1", ({ step, group }) =>
      group.experiment("pick", {
        variants: { a: () => step.run("a", () => ({ total: 12 })), b: () => step.run("b", other) },
        select: experiment.fixed("a"),
      }),
    );
    expect(out).toEqual({ total: 12 });
    expect(other).not.toHaveBeenCalled();

    const full = await steps.run("r2", ({ step, group }) =>
      group.experiment("pick", {
        variants: { a: () => step.run("a", () => 1), b: () => step.run("b", () => 2) },
        select: experiment.fixed("b"),
        withVariant: true,
      }),
    );
    expect(full).toEqual({
      result: 2,
      variant: "b",
      ref: {
        experiment: "pick",
        stepExperiment: "pick",
        variant: "b",
        runId: "r2",
        via: "store",
        unit: { userId: "r2", attributes: {} },
      },
    });
  });

  it("a variant that performs no durable step fails the run and says how to fix it", async () => {
    const { steps } = memorySetup();
    const error = await steps
      .run("r1", ({ group }) =>
        group.experiment("lazy", {
          variants: { a: async () => "computed outside any step", b: async () => "x" },
          select: experiment.fixed("a"),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepExperimentError);
    expect((error as StepExperimentError).retriable).toBe(false);
    expect((error as Error).message).toBe(
      'group.experiment("lazy"): variant "a" performed no durable step; wrap its work in step.run("...", () => ...) so a retry or replay does not run it again',
    );
  });

  it("a step in a nested experiment counts for the enclosing variant", async () => {
    const { steps } = memorySetup();
    const out = await steps.run("r1", ({ step, group }) =>
      group.experiment("outer", {
        variants: {
          a: () =>
            group.experiment("inner", {
              variants: { x: () => step.run("x", () => "ax"), y: () => step.run("y", () => "ay") },
              select: experiment.fixed("y"),
            }),
          b: () => step.run("b", () => "b"),
        },
        select: experiment.fixed("a"),
      }),
    );
    expect(out).toBe("ay");
  });

  it("duplicate experiment ids within one run fail with what to fix", async () => {
    const { steps } = memorySetup();
    await expect(
      steps.run("r1", async ({ step, group }) => {
        const variants = { a: () => step.run("a", () => 1), b: () => step.run("b", () => 2) };
        await group.experiment("twice", { variants, select: experiment.fixed("a") });
        await group.experiment("twice", { variants, select: experiment.fixed("b") });
      }),
    ).rejects.toThrow(
      'group.experiment("twice"): the id is used twice in one run; give every experiment in a function its own id',
    );
  });

  it("rejects malformed calls with messages that name the call", async () => {
    const { steps } = memorySetup();
    const call = (options: unknown) =>
      steps.run("r", ({ group }) => group.experiment("bad", options as never)).catch((e: Error) => e.message);
    expect(await call({ variants: {}, select: experiment.fixed("a") })).toContain(
      'group.experiment("bad"): variants must be an object with at least one variant callback',
    );
    expect(await call({ variants: { a: 1 }, select: experiment.fixed("a") })).toBe(
      'group.experiment("bad"): variant "a" must be a callback, got number 1',
    );
    expect(await call({ variants: { a: () => 1 }, select: () => "a" })).toContain(
      "select must come from experiment.weighted(), experiment.bucket(), experiment.custom() or experiment.fixed()",
    );
  });

  it("a variant removed while a run still holds it fails clearly on that run's retry", async () => {
    const { steps } = memorySetup();
    await steps.run("r1", ({ step, group }) =>
      group.experiment("gone", {
        variants: { a: () => step.run("a", () => 1), old: () => step.run("old", () => 2) },
        select: experiment.fixed("old"),
      }),
    );
    await expect(
      steps.run("r1", ({ step, group }) =>
        group.experiment("gone", {
          variants: { a: () => step.run("a", () => 1) },
          select: experiment.fixed("a"),
        }),
      ),
    ).rejects.toThrow('this run selected "old" before, which is no longer a variant (valid: "a")');
  });

  it("needs a memo store for plain runs and somewhere to record", async () => {
    const { createStepExperiments } = await import("../src/index.js");
    expect(() => createStepExperiments({})).toThrow("pass { assay } (from createAssay) or { store }");
    const { store } = memorySetup();
    await expect(createStepExperiments({ store }).run("r", () => 1)).rejects.toThrow(
      "plain Node runs need a memo store",
    );
  });
});

describe("scores", () => {
  const setup = () => {
    const s = memorySetup({ now: () => new Date("2026-01-01T00:00:00Z") });
    return s;
  };

  it("score() inside the selected variant records an outcome attributed to the run's variant, once per run", async () => {
    const { steps, store } = setup();
    const run = (runId: string) =>
      steps.run(runId, ({ step, group }) =>
        group.experiment("email-copy", {
          variants: {
            short: async (v) => {
              const text = await step.run("short", () => "hi");
              await v.score("length", text.length);
              return text;
            },
            detailed: async () => {
              const text = await step.run("detailed", () => "hello there");
              await score("length", text.length); // the ALS form
              await score("approved", true);
              return text;
            },
          },
          select: experiment.custom(({ runId: id }) => (id.endsWith("1") ? "short" : "detailed")),
        }),
      );
    await run("run-1");
    await run("run-2");
    await run("run-2"); // a replay records nothing new
    const summary = await store.summarize({ experiment: "email-copy" });
    const length = summary.metrics.find((m) => m.metric === "length")!;
    expect([...length.variants].sort((x, y) => x.variantId.localeCompare(y.variantId))).toMatchObject([
      { variantId: "detailed", n: 1, sum: 11, sumSquares: 121 },
      { variantId: "short", n: 1, sum: 2, sumSquares: 4 },
    ]);
    const approved = summary.metrics.find((m) => m.metric === "approved")!;
    expect(approved.kind).toBe("bool");
    expect(outcomes(store.all())).toHaveLength(3);
  });

  it.each([
    [Number.NaN, "got NaN; NaN and Infinity usually come from a division by zero"],
    [Number.POSITIVE_INFINITY, "got number Infinity"],
    [Number.NEGATIVE_INFINITY, "got number -Infinity"],
    ["0.93", 'got string "0.93"; convert it first (Number(x)'],
    [null, "got null"],
    [{ value: 1 }, "got an object"],
  ])("score(name, %j) fails with what to fix", async (value, expected) => {
    const { steps, store } = setup();
    const error = await steps
      .run("r", ({ step, group }) =>
        group.experiment("quality", {
          variants: {
            a: async (v) => {
              await step.run("a", () => 1);
              await v.score("accuracy", value as never);
            },
          },
          select: experiment.fixed("a"),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepExperimentError);
    expect((error as Error).message).toContain(
      'score("accuracy") in group.experiment("quality"): the value must be a finite number or a boolean,',
    );
    expect((error as Error).message).toContain(expected);
    expect(outcomes(store.all())).toHaveLength(0);
  });

  it("rejects bad score names", async () => {
    const { steps } = setup();
    const scoreWith = (name: unknown) =>
      steps
        .run(`r-${String(name).length}`, ({ step, group }) =>
          group.experiment(`names-${String(name).length}`, {
            variants: { a: async (v) => v.score(name as string, await step.run("a", () => 1)) },
            select: experiment.fixed("a"),
          }),
        )
        .catch((e: Error) => e.message);
    expect(await scoreWith("")).toContain("the score name must be a non-empty string");
    const rule = "at most 128 bytes of UTF-8, without control characters or single quotes";
    expect(await scoreWith("x".repeat(129))).toContain(rule);
    // The SDK counts bytes: 43 three-byte characters are 129 bytes.
    expect(await scoreWith("€".repeat(43))).toContain(rule);
    expect(await scoreWith("it's")).toContain(rule);
    expect(await scoreWith("€".repeat(42))).toBeUndefined();
  });

  it("score() outside a variant callback says where to call it", async () => {
    await expect(score("late", 1)).rejects.toThrow(
      'score("late"): call it inside the selected variant callback of group.experiment; for a score that arrives later, keep the ref',
    );
  });

  it("a later score through the ref (after a JSON round trip) is attributed to the run's variant", async () => {
    const { steps, store } = setup();
    const refs: ExperimentRef[] = [];
    for (const runId of ["r1", "r2", "r3", "r4"]) {
      const out = await steps.run(runId, ({ step, group }) =>
        group.experiment("onboarding", {
          variants: { a: () => step.run("a", () => "A"), b: () => step.run("b", () => "B") },
          select: experiment.custom(({ runId: id }) => (id === "r1" || id === "r2" ? "a" : "b")),
          withVariant: true,
        }),
      );
      refs.push(JSON.parse(JSON.stringify(out.ref)) as ExperimentRef);
    }
    await steps.score(refs[0]!, "activated", true);
    await steps.score(refs[0]!, "activated", true); // deduped per run and name
    await steps.score(refs[2]!, "activated", false);
    await steps.score(refs[3]!, "activated", true);
    const metric = (await store.summarize({ experiment: "onboarding" })).metrics[0]!;
    expect(metric.variants).toMatchObject([
      { variantId: "a", n: 2, sum: 1, sumSquares: 1 },
      { variantId: "b", n: 2, sum: 1, sumSquares: 1 },
    ]);
    await expect(steps.score({ experiment: "x" } as never, "m", 1)).rejects.toThrow(
      "ref must be the ref returned by group.experiment(id, { withVariant: true })",
    );
    await expect(steps.score(refs[0]!, "m", Number.NaN)).rejects.toThrow(
      "must be a finite number or a boolean",
    );
  });
});
