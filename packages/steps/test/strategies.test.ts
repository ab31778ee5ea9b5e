import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { experiment, StepExperimentError } from "../src/index.js";
import { exposures, memorySetup } from "./helpers.js";

const two = (step: { run<T>(id: string, fn: () => T): Promise<Awaited<T>> }) => ({
  a: () => step.run("a", () => "A"),
  b: () => step.run("b", () => "B"),
});

describe("weights are validated when the strategy is created", () => {
  it.each([
    [{ a: Number.NaN, b: 1 }, 'the weight of "a" must be a finite number >= 0, got NaN'],
    [
      { a: Number.POSITIVE_INFINITY, b: 1 },
      'the weight of "a" must be a finite number >= 0, got number Infinity',
    ],
    [{ a: -1, b: 2 }, 'the weight of "a" must be a finite number >= 0, got number -1'],
    [{ a: "90", b: 10 }, 'the weight of "a" must be a finite number >= 0, got string "90"'],
    [{ a: 0, b: 0 }, "weights must not all be zero; give at least one variant a positive weight"],
    [{}, "weights must name at least one variant"],
  ])("weighted(%j) throws", (weights, message) => {
    expect(() => experiment.weighted(weights as Record<string, number>)).toThrow(StepExperimentError);
    expect(() => experiment.weighted(weights as Record<string, number>)).toThrow(
      `experiment.weighted(): ${message}`,
    );
  });

  it("bucket weights are validated the same way, and cannot be combined with a manifest", () => {
    expect(() => experiment.bucket("k", { weights: { a: -5 } })).toThrow(
      'experiment.bucket(): the weight of "a" must be a finite number >= 0, got number -5',
    );
    expect(() => experiment.bucket("k", { weights: { a: 1 }, manifest: true })).toThrow(
      "weights cannot be combined with { manifest }",
    );
    expect(() => experiment.weighted(null as never)).toThrow("weights must be an object");
  });

  it("snapshots the weights so later mutation changes nothing", async () => {
    const weights = { a: 0, b: 1 };
    const select = experiment.weighted(weights);
    weights.a = 1;
    weights.b = 0;
    const { steps } = memorySetup();
    const out = await steps.run("r1", ({ step, group }) =>
      group.experiment("snap", { variants: two(step), select }),
    );
    expect(out).toBe("B");
  });

  it("custom and fixed reject what is not a selector or a name", () => {
    expect(() => experiment.custom("a" as never)).toThrow("experiment.custom(): expects a function");
    expect(() => experiment.fixed("")).toThrow("experiment.fixed(): expects a variant name");
  });
});

describe("weighted", () => {
  it("10,000 runs under { a: 90, b: 10 } land within sampling error of 90/10, one exposure per run", async () => {
    const { steps, store } = memorySetup();
    const select = experiment.weighted({ a: 90, b: 10 });
    const counts = { A: 0, B: 0 };
    for (let i = 0; i < 10_000; i++) {
      const out = await steps.run(`run-${i}`, ({ step, group }) =>
        group.experiment("canary", { variants: two(step), select }),
      );
      counts[out as "A" | "B"]++;
    }
    // Binomial(10000, 0.1): sd = 30; 4 sd either side.
    expect(counts.B).toBeGreaterThan(1000 - 120);
    expect(counts.B).toBeLessThan(1000 + 120);
    const summary = await store.summarize({ experiment: "canary" });
    expect(summary.variants.map((v) => [v.variantId, v.exposures, v.exposedUnits])).toEqual([
      ["a", counts.A, counts.A],
      ["b", counts.B, counts.B],
    ]);
  });

  it("is seeded by the run id: the same run id selects the same variant even without a memo", async () => {
    const select = experiment.weighted({ a: 50, b: 50 });
    const pick = async (runId: string) => {
      const { steps } = memorySetup(); // fresh memo each time
      return steps.run(runId, ({ step, group }) =>
        group.experiment("seeded", { variants: two(step), select }),
      );
    };
    const first = await Promise.all(Array.from({ length: 40 }, (_, i) => pick(`run-${i}`)));
    const again = await Promise.all(Array.from({ length: 40 }, (_, i) => pick(`run-${i}`)));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });

  it("weights must name exactly the variants, and the message lists them", async () => {
    const { steps } = memorySetup();
    await expect(
      steps.run("r", ({ step, group }) =>
        group.experiment("typo", { variants: two(step), select: experiment.weighted({ a: 90, bb: 10 }) }),
      ),
    ).rejects.toThrow(
      'group.experiment("typo"): experiment.weighted() weights name "bb", which is not a variant; valid variants: "a", "b"',
    );
    await expect(
      steps.run("r2", ({ step, group }) =>
        group.experiment("missing", { variants: two(step), select: experiment.weighted({ a: 1 }) }),
      ),
    ).rejects.toThrow('weights give no weight to "b"; add it to the weights (0 to never select it)');
  });
});

describe("bucket", () => {
  const variants = (step: { run<T>(id: string, fn: () => T): Promise<Awaited<T>> }) => ({
    stripe: () => step.run("stripe", () => "stripe"),
    adyen: () => step.run("adyen", () => "adyen"),
  });

  it("is stable per key across runs, splits by the weights, and is salted by the experiment id", async () => {
    const { steps } = memorySetup();
    const keys = Array.from({ length: 2000 }, (_, i) => `acct-${i}`);
    const pick = (exp: string, key: string, runId: string) =>
      steps.run(runId, ({ step, group }) =>
        group.experiment(exp, { variants: variants(step), select: experiment.bucket(key) }),
      );
    const first: string[] = [];
    const second: string[] = [];
    const other: string[] = [];
    for (const [i, key] of keys.entries()) {
      first.push(await pick("payments", key, `run-1-${i}`));
      second.push(await pick("payments", key, `run-2-${i}`));
      other.push(await pick("payments-2", key, `run-3-${i}`));
    }
    expect(second).toEqual(first);
    const stripeShare = first.filter((v) => v === "stripe").length / keys.length;
    expect(stripeShare).toBeGreaterThan(0.45);
    expect(stripeShare).toBeLessThan(0.55);
    // Salted: agreement between two 50/50 experiments is ~50%, not 100%.
    const agreement = first.filter((v, i) => v === other[i]).length / keys.length;
    expect(agreement).toBeGreaterThan(0.44);
    expect(agreement).toBeLessThan(0.56);
  });

  it("exposures and scores are attributed to the key, not the run", async () => {
    const { steps, store } = memorySetup();
    for (const runId of ["r1", "r2", "r3"]) {
      await steps.run(runId, ({ step, group }) =>
        group.experiment("payments", {
          variants: variants(step),
          select: experiment.bucket("acct-7", { weights: { stripe: 1, adyen: 1 } }),
        }),
      );
    }
    const summary = await store.summarize({ experiment: "payments" });
    expect(summary.variants).toHaveLength(1);
    expect(summary.variants[0]).toMatchObject({ exposedUnits: 1, exposures: 3 });
    expect(exposures(store.all()).every((e) => e.userId === "acct-7")).toBe(true);
  });

  it("is stable per key across processes", async () => {
    const dist = join(import.meta.dirname, "..", "dist", "index.js");
    expect(existsSync(dist), "build the package first (npx tsc -p tsconfig.build.json)").toBe(true);
    const keys = Array.from({ length: 200 }, (_, i) => `acct-${i}`);
    const script = `
      import { MemoryEventStore } from "@assay/core";
      import { createStepExperiments, experiment, MemoryMemoStore } from ${JSON.stringify(pathToFileURL(dist).href)};
      const steps = createStepExperiments({ store: new MemoryEventStore(), memo: new MemoryMemoStore() });
      const out = [];
      for (const key of JSON.parse(process.argv[1])) {
        out.push(await steps.run("child-" + key, ({ step, group }) => group.experiment("payments", {
          variants: { stripe: () => step.run("s", () => "stripe"), adyen: () => step.run("a", () => "adyen") },
          select: experiment.bucket(key, { weights: { stripe: 90, adyen: 10 } }),
        })));
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(keys)], {
      cwd: join(import.meta.dirname, ".."),
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    const fromChild = JSON.parse(child.stdout) as string[];
    const { steps } = memorySetup();
    const here: string[] = [];
    for (const key of keys) {
      here.push(
        await steps.run(`parent-${key}`, ({ step, group }) =>
          group.experiment("payments", {
            variants: variants(step),
            select: experiment.bucket(key, { weights: { stripe: 90, adyen: 10 } }),
          }),
        ),
      );
    }
    expect(fromChild).toEqual(here);
    expect(here.filter((v) => v === "adyen").length).toBeGreaterThan(5);
  });

  it("a missing key is an error unless allowed; allowed keyless runs are randomized by run id", async () => {
    const { steps } = memorySetup();
    for (const key of [undefined, null, ""]) {
      await expect(
        steps.run(`r-${String(key)}`, ({ step, group }) =>
          group.experiment("payments", { variants: variants(step), select: experiment.bucket(key) }),
        ),
      ).rejects.toThrow(
        'group.experiment("payments"): experiment.bucket() got no key (null, undefined or ""); pass a stable id such as event.data.accountId, or set { allowMissingKey: true }',
      );
    }
    const picks = new Set<string>();
    for (let i = 0; i < 50; i++) {
      picks.add(
        await steps.run(`keyless-${i}`, ({ step, group }) =>
          group.experiment("payments", {
            variants: variants(step),
            select: experiment.bucket(undefined, { allowMissingKey: true }),
          }),
        ),
      );
    }
    expect(picks).toEqual(new Set(["stripe", "adyen"]));
    expect(() => experiment.bucket({ id: 1 } as never)).toThrow(
      "experiment.bucket(): the key must be a string or a finite number",
    );
  });
});

describe("custom and fixed", () => {
  it("custom may be sync or async and gets the run and the variant names", async () => {
    const { steps } = memorySetup();
    const seen: unknown[] = [];
    const sync = await steps.run("r1", ({ step, group }) =>
      group.experiment("c", {
        variants: two(step),
        select: experiment.custom((input) => {
          seen.push(input.runId, input.variants);
          return "b";
        }),
      }),
    );
    const asyncOut = await steps.run("r2", ({ step, group }) =>
      group.experiment("c", { variants: two(step), select: experiment.custom(async () => "a") }),
    );
    expect([sync, asyncOut]).toEqual(["B", "A"]);
    expect(seen).toEqual(["r1", ["a", "b"]]);
  });

  it("an unknown name fails with the list of valid variants", async () => {
    const { steps } = memorySetup();
    await expect(
      steps.run("r1", ({ step, group }) =>
        group.experiment("c", { variants: two(step), select: experiment.custom(() => "c") }),
      ),
    ).rejects.toThrow(
      'group.experiment("c"): the custom selector returned string "c", which is not a variant; valid variants: "a", "b"',
    );
    await expect(
      steps.run("r2", ({ step, group }) =>
        group.experiment("f", { variants: two(step), select: experiment.fixed("B") }),
      ),
    ).rejects.toThrow(
      'group.experiment("f"): experiment.fixed() returned string "B", which is not a variant; valid variants: "a", "b"',
    );
  });

  it("fixed always selects its variant", async () => {
    const { steps } = memorySetup();
    for (let i = 0; i < 5; i++) {
      const out = await steps.run(`r${i}`, ({ step, group }) =>
        group.experiment("f", { variants: two(step), select: experiment.fixed("b") }),
      );
      expect(out).toBe("B");
    }
  });
});
