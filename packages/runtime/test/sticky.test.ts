import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isManifestError, parseManifest } from "@assay/config";
import {
  type EventStore,
  type ExperimentContext,
  hasStickyAssignments,
  JsonLinesEventStore,
  MemoryEventStore,
  type StickyAssignmentStore,
} from "@assay/core";
import { PostgresEventStore } from "@assay/store-postgres";
import { SqliteEventStore } from "@assay/store-sqlite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Assay, createAssay } from "../src/index.js";

const POSTGRES_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schemas: string[] = [];
const tag = `${process.pid}_${randomBytes(3).toString("hex")}`;

/** Each kind of store, as a factory of fresh instances over the same data (a store closes with its client). */
function kinds(): Array<[string, () => EventStore & StickyAssignmentStore]> {
  const memory = new MemoryEventStore();
  const file = join(mkdtempSync(join(tmpdir(), "assay-sticky-")), "events.db");
  const schema = `assay_sticky_${tag}_${schemas.length}`;
  schemas.push(schema);
  return [
    ["memory", () => memory],
    ["sqlite", () => new SqliteEventStore({ path: file, synchronous: "normal" })],
    ["postgres", () => new PostgresEventStore({ connectionString: POSTGRES_URL, schema })],
  ];
}

afterAll(async () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

function manifest(weights: readonly [number, number], options: { version?: number; traffic?: number } = {}) {
  return parseManifest(
    `[[plugins]]
name = "h"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
variants = [{ id = "control", weight = ${weights[0]}, is_control = true }, { id = "treatment", weight = ${weights[1]} }]
traffic = ${options.traffic ?? 1}
sticky = true
${options.version === undefined ? "" : `version = ${options.version}`}
`,
    join(process.cwd(), "assay.toml"),
  );
}

const open = (
  store: EventStore,
  weights: readonly [number, number],
  options: { version?: number; traffic?: number; refreshMs?: number } = {},
) =>
  createAssay({
    manifest: manifest(weights, options),
    store,
    handleSignals: false,
    sticky: { refreshMs: options.refreshMs ?? 0 },
  });

const N = 100_000;
const users: ExperimentContext[] = Array.from({ length: N }, (_, i) => ({
  userId: `user-${i}`,
  attributes: {},
}));
const newcomers = (round: number): ExperimentContext[] =>
  Array.from({ length: 20_000 }, (_, i) => ({ userId: `late-${round}-${i}`, attributes: {} }));

function variantsOf(assay: Assay, contexts: readonly ExperimentContext[]) {
  const ids = new Array<string>(contexts.length);
  const reasons = new Map<string, number>();
  contexts.forEach((ctx, i) => {
    const v = assay.assign("pricing", ctx);
    ids[i] = v.variantId;
    reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1);
  });
  return { ids, reasons: Object.fromEntries(reasons) };
}

const share = (ids: readonly string[], id: string) => ids.filter((v) => v === id).length / ids.length;

describe.each(kinds())("sticky assignments in the %s store", (_name, fresh) => {
  it("stores first writes only, per experiment version, and loads by version and time", async () => {
    const store = fresh();
    await store.init?.();
    const t0 = Date.now();
    await store.saveStickyAssignments([
      { experiment: "conformance", version: 1, unit: "a", variantId: "control" },
      { experiment: "conformance", version: 1, unit: "b", variantId: "treatment" },
      { experiment: "conformance", version: 2, unit: "a", variantId: "treatment" },
      { experiment: "other", version: 1, unit: "a", variantId: "x" },
    ]);
    await store.saveStickyAssignments([
      { experiment: "conformance", version: 1, unit: "a", variantId: "treatment" }, // ignored: first writer wins
      { experiment: "conformance", version: 1, unit: "c", variantId: "control" },
    ]);
    const v1 = await store.loadStickyAssignments({
      experiments: [{ experiment: "conformance", version: 1 }],
    });
    expect(v1.map((r) => [r.unit, r.variantId]).sort()).toEqual([
      ["a", "control"],
      ["b", "treatment"],
      ["c", "control"],
    ]);
    expect(v1.every((r) => r.experiment === "conformance" && r.version === 1)).toBe(true);
    expect(
      v1.every((r) => r.assignedAt.getTime() >= t0 - 5_000 && r.assignedAt.getTime() <= Date.now() + 5_000),
    ).toBe(true);
    const both = await store.loadStickyAssignments({
      experiments: [
        { experiment: "conformance", version: 2 },
        { experiment: "other", version: 1 },
      ],
    });
    expect(both.map((r) => `${r.experiment}/${r.version}/${r.unit}=${r.variantId}`).sort()).toEqual([
      "conformance/2/a=treatment",
      "other/1/a=x",
    ]);
    const future = await store.loadStickyAssignments({
      experiments: [{ experiment: "conformance", version: 1 }],
      since: new Date(Date.now() + 60_000),
    });
    expect(future).toEqual([]);
    await store.close?.();
  });

  it("over 100k units, enrolled units keep their variant across three weight changes; a version bump starts afresh", async () => {
    const first = await open(fresh(), [50, 50]);
    const start = variantsOf(first, users);
    expect(start.reasons).toEqual({ hash: N });
    expect(Math.abs(share(start.ids, "treatment") - 0.5)).toBeLessThan(0.01);
    await first.close(); // flushes the sticky writes

    let round = 0;
    for (const weights of [
      [90, 10],
      [10, 90],
      [30, 70],
    ] as const) {
      const assay = await open(fresh(), weights);
      const again = variantsOf(assay, users);
      expect(again.reasons).toEqual({ sticky: N });
      let moved = 0;
      for (let i = 0; i < N; i++) if (again.ids[i] !== start.ids[i]) moved++;
      expect(moved).toBe(0);
      // units never seen before follow today's weights
      const late = variantsOf(assay, newcomers(round++));
      expect(Math.abs(share(late.ids, "treatment") - weights[1] / 100)).toBeLessThan(0.015);
      await assay.close();
    }

    const bumped = await open(fresh(), [10, 90], { version: 2 });
    const afresh = variantsOf(bumped, users);
    expect(afresh.reasons).toEqual({ hash: N });
    expect(Math.abs(share(afresh.ids, "treatment") - 0.9)).toBeLessThan(0.01);
    await bumped.close();
    const bumpedAgain = await open(fresh(), [50, 50], { version: 2 });
    expect(variantsOf(bumpedAgain, users.slice(0, 1000)).ids).toEqual(afresh.ids.slice(0, 1000));
    await bumpedAgain.close();
  });

  it("only enrolled units are stored: raising traffic enrolls the others", async () => {
    const contexts = users.slice(0, 4000).map((c) => ({ ...c, userId: `traffic-${c.userId}` }));
    const half = await open(fresh(), [50, 50], { traffic: 0.5, version: 7 });
    const before = variantsOf(half, contexts);
    expect(Object.keys(before.reasons).sort()).toEqual(["hash", "traffic"]);
    await half.close();
    const full = await open(fresh(), [50, 50], { traffic: 1, version: 7 });
    const after = contexts.map((ctx) => full.assign("pricing", ctx));
    expect(after.filter((v) => v.reason === "sticky").length).toBe(before.reasons.hash);
    expect(after.filter((v) => v.reason === "hash").length).toBe(before.reasons.traffic);
    await full.close();
  });

  it("a unit id no store can keep sticks on this instance only, is reported, and spoils no other unit's write", async () => {
    const errors: string[] = [];
    const assay = await createAssay({
      manifest: manifest([50, 50], { version: 11 }),
      store: fresh(),
      handleSignals: false,
      sticky: { refreshMs: 0 },
      onError: (error) => errors.push((error as Error).message),
    });
    const ids = ["odd-a", "odd\u0000b", "x".repeat(300), "odd-c"];
    const first = ids.map((userId) => assay.assign("pricing", { userId, attributes: {} }).variantId);
    expect(assay.assign("pricing", { userId: ids[1]!, attributes: {} }).variantId).toBe(first[1]);
    await assay.close();
    expect(errors).toEqual([
      expect.stringMatching(/^the unit of sticky experiment pricing must not contain the NUL character/),
      expect.stringMatching(/^the unit of sticky experiment pricing must be at most 256 characters, got 300/),
    ]);
    const again = await open(fresh(), [50, 50], { version: 11 });
    const reasons = ids.map((userId) => again.assign("pricing", { userId, attributes: {} }).reason);
    expect(reasons).toEqual(["sticky", "hash", "hash", "sticky"]);
    await again.close();
  });

  it("instances share first assignments: written through, refreshed on demand and periodically; the store's first writer wins", async () => {
    const a = await open(fresh(), [1, 0], { version: 3 });
    const b = await open(fresh(), [0, 1], { version: 3, refreshMs: 25 });
    const ctx = (id: string): ExperimentContext => ({ userId: id, attributes: {} });
    expect(a.assign("pricing", ctx("shared-1")).variantId).toBe("control");
    await a.flush();
    await b.refreshSticky();
    expect(b.assign("pricing", ctx("shared-1"))).toMatchObject({ variantId: "control", reason: "sticky" });

    expect(a.assign("pricing", ctx("shared-2")).variantId).toBe("control");
    await a.flush();
    await expect
      .poll(() => b.assign("pricing", ctx("shared-2")).reason, { timeout: 5_000, interval: 20 })
      .toBe("sticky");

    // a race: both assign a unit before either stored it; the store keeps the first write
    expect(b.assign("pricing", ctx("race")).variantId).toBe("treatment");
    await b.flush();
    expect(a.assign("pricing", ctx("race")).variantId).toBe("control");
    await a.flush();
    await a.refreshSticky();
    expect(a.assign("pricing", ctx("race"))).toMatchObject({ variantId: "treatment", reason: "sticky" });
    await Promise.all([a.close(), b.close()]);
  });
});

describe("sticky needs a store that keeps assignments", () => {
  it("is a manifest error at the experiment's sticky key otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-sticky-jsonl-"));
    const store = new JsonLinesEventStore(join(dir, "events.jsonl"));
    expect(hasStickyAssignments(store)).toBe(false);
    const error = await createAssay({ manifest: manifest([50, 50]), store, handleSignals: false }).catch(
      (e) => e,
    );
    expect(isManifestError(error)).toBe(true);
    expect(error.issues[0]).toMatchObject({ line: 9, column: 1, key: "plugins[0].experiments[0].sticky" });
    expect(error.issues[0].message).toContain("keeps no sticky assignments");
  });

  it("a stored variant that was removed since is assigned afresh", async () => {
    const store = new MemoryEventStore();
    await store.saveStickyAssignments([
      { experiment: "pricing", version: 1, unit: "gone", variantId: "old_arm" },
    ]);
    const assay = await open(store, [50, 50]);
    expect(assay.assign("pricing", { userId: "gone", attributes: {} }).reason).toBe("hash");
    await assay.close();
  });
});
