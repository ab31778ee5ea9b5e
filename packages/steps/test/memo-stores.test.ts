import { spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createStepExperiments, experiment, MemoryMemoStore, type MemoStore } from "../src/index.js";
import { PostgresMemoStore } from "../src/memo/postgres-memo-store.js";
import { SqliteMemoStore } from "../src/memo/sqlite-memo-store.js";
import { exposures } from "./helpers.js";

/**
 * The PostgreSQL server of the tests: ASSAY_TEST_POSTGRES_URL, else the local one. When it is unreachable
 * the PostgreSQL tests fail (they are not skipped).
 */
const POSTGRES_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const dir = await mkdtemp(join(tmpdir(), "assay-steps-memo-"));
let counter = 0;
const unique = () => `${process.pid}-${Date.now()}-${counter++}`;
const opened: MemoStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close?.()));
});

const factories: Record<string, () => MemoStore> = {
  memory: () => new MemoryMemoStore(),
  sqlite: () => new SqliteMemoStore({ path: join(dir, `memo-${unique()}.db`) }),
  postgres: () => new PostgresMemoStore({ connection: POSTGRES_URL, tablePrefix: "assay_step_test" }),
};

describe.each(Object.keys(factories))("%s memo store", (name) => {
  const open = async () => {
    const store = factories[name]!();
    opened.push(store);
    await store.init?.();
    return store;
  };

  it("set is first-writer-wins and resolves to the stored variant", async () => {
    const memo = await open();
    const run = `run-${unique()}`;
    expect(await memo.get(run, "exp")).toBeUndefined();
    expect(await memo.set(run, "exp", "a")).toBe("a");
    expect(await memo.set(run, "exp", "b")).toBe("a");
    expect(await memo.get(run, "exp")).toBe("a");
    expect(await memo.get(run, "other")).toBeUndefined();
    expect(await memo.get(`${run}-x`, "exp")).toBeUndefined();
  });

  it("concurrent writers of one run all see one winner", async () => {
    const memo = await open();
    const run = `race-${unique()}`;
    const results = await Promise.all(["a", "b", "c", "d", "e"].map((v) => memo.set(run, "exp", v)));
    expect(new Set(results).size).toBe(1);
    expect(await memo.get(run, "exp")).toBe(results[0]);
  });

  it("keeps step outputs, including undefined, null and objects", async () => {
    const memo = await open();
    const run = `steps-${unique()}`;
    expect(await memo.getStep(run, "s")).toBeUndefined();
    await memo.setStep(run, "undef", undefined);
    await memo.setStep(run, "null", null);
    await memo.setStep(run, "obj", { total: 12.5, lines: ["a", "b"] });
    await memo.setStep(run, "obj", { total: 0 }); // first writer wins
    expect(await memo.getStep(run, "undef")).toEqual({ value: undefined });
    expect(await memo.getStep(run, "null")).toEqual({ value: null });
    expect(await memo.getStep(run, "obj")).toEqual({ value: { total: 12.5, lines: ["a", "b"] } });
  });

  it("a retried run keeps its variant and its completed steps across store instances", async () => {
    const shared = factories[name]!;
    const first = await open();
    const run = `retry-${unique()}`;
    const events = new MemoryEventStore();
    const selector = vi.fn<() => string>().mockReturnValueOnce("b").mockReturnValue("a");
    const charge = vi.fn(() => "charged");
    let fail = true;
    const handler = createHandler(selector, charge, () => fail);
    await expect(createStepExperiments({ store: events, memo: first }).run(run, handler)).rejects.toThrow(
      "receipt service down",
    );
    // A new process would open a new store over the same data; memory has no such thing.
    const second = name === "memory" ? first : await reopen(shared, first);
    fail = false;
    const out = await createStepExperiments({ store: events, memo: second }).run(run, handler);
    expect(out).toEqual({ variant: "b", receipt: "sent charged" });
    expect(selector).toHaveBeenCalledTimes(1);
    expect(charge).toHaveBeenCalledTimes(1);
    expect(exposures(events.all())).toHaveLength(1);
  });

  async function reopen(factory: () => MemoStore, previous: MemoStore): Promise<MemoStore> {
    if (previous instanceof SqliteMemoStore) {
      const again = new SqliteMemoStore({ path: previous.path });
      opened.push(again);
      return again;
    }
    const again = factory();
    opened.push(again);
    return again;
  }
});

function createHandler(selector: () => string, charge: () => string, failing: () => boolean) {
  return async ({
    step,
    group,
  }: Parameters<Parameters<ReturnType<typeof createStepExperiments>["run"]>[1]>[0]) => {
    const charged = await group.experiment("provider", {
      variants: { a: () => step.run("charge-a", charge), b: () => step.run("charge-b", charge) },
      select: experiment.custom(selector),
      withVariant: true,
    });
    const receipt = await step.run("receipt", () => {
      if (failing()) throw new Error("receipt service down");
      return `sent ${charged.result}`;
    });
    return { variant: charged.variant, receipt };
  };
}

describe("SQLite memo store across processes", () => {
  it("a run retried by another process keeps its variant", async () => {
    const path = join(dir, `shared-${unique()}.db`);
    const memo = new SqliteMemoStore({ path });
    opened.push(memo);
    expect(await memo.set("run-1", "exp", "rewrite")).toBe("rewrite");
    const script = `
      import { SqliteMemoStore } from ${JSON.stringify(join(import.meta.dirname, "..", "dist", "memo", "sqlite-memo-store.js"))};
      const memo = new SqliteMemoStore({ path: process.argv[1] });
      const won = await memo.set("run-1", "exp", "current");
      const fresh = await memo.set("run-2", "exp", "current");
      process.stdout.write(JSON.stringify([won, fresh]));
      await memo.close();
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, path], {
      cwd: join(import.meta.dirname, ".."),
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual(["rewrite", "current"]);
    expect(await memo.get("run-2", "exp")).toBe("current");
  });
});

describe("PostgreSQL memo store", () => {
  it("reports an unreachable server as a BackendError naming the operation", async () => {
    const memo = new PostgresMemoStore({ connection: "postgres://postgres@127.0.0.1:1/none" });
    opened.push(memo);
    await expect(memo.get("r", "e")).rejects.toThrow("step memo store (postgres): could not create tables");
  });

  it("rejects a table prefix that is not an identifier", () => {
    expect(() => new PostgresMemoStore({ connection: POSTGRES_URL, tablePrefix: "x; drop table y" })).toThrow(
      "tablePrefix must be letters, digits and _",
    );
  });
});
