import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testEventStore } from "@assay/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import plugin, { SQLITE_SCHEMA_VERSION, SqliteEventStore } from "../src/index.js";

const tempPath = async () => join(await mkdtemp(join(tmpdir(), "assay-sqlite-")), "nested", "events.db");

testEventStore("sqlite", {
  create: async () => new SqliteEventStore({ path: await tempPath() }),
  reopen: async (store) => {
    await store.close?.();
    return new SqliteEventStore({ path: (store as SqliteEventStore).path });
  },
});

/** Folds events into the rollups after every append, so the suite checks the incremental path step by step. */
class RefreshingStore extends SqliteEventStore {
  override async append(batch: Parameters<SqliteEventStore["append"]>[0]) {
    const result = await super.append(batch);
    this.refreshRollups();
    return result;
  }
}
testEventStore("sqlite, rollups folded after every append", {
  create: async () => new RefreshingStore({ path: await tempPath(), rollupStep: 0, synchronous: "normal" }),
});

describe("SqliteEventStore", () => {
  it("uses WAL, records its schema version, and refuses a newer schema", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path });
    await store.init();
    await store.close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    await expect(new SqliteEventStore({ path }).init()).rejects.toMatchObject({
      code: "BACKEND",
      message: expect.stringContaining("newer than this @assay/store-sqlite"),
    });
  });

  it("fills the running totals from the per-unit rollups when it migrates a version-2 file", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path });
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    await store.append([
      { type: "exposure", eventId: "x1", experiment: "m", variantId: "a", userId: "u1", timestamp: t(1) },
      { type: "exposure", eventId: "x2", experiment: "m", variantId: "b", userId: "u2", timestamp: t(1) },
      { type: "exposure", eventId: "x3", experiment: "m", variantId: "a", userId: "u2", timestamp: t(2) },
      {
        type: "outcome",
        eventId: "o1",
        experiment: "m",
        metric: "rev",
        value: { kind: "numeric", value: 3 },
        userId: "u1",
        timestamp: t(3),
      },
    ]);
    const before = await store.summarize({ experiment: "m" });
    await store.close();
    // back to version 2: the running totals did not exist yet
    const db = new Database(path);
    db.exec("DROP TABLE variant_metrics; DROP TABLE variant_first_days; DROP TABLE unit_counters");
    db.pragma("user_version = 2");
    db.close();
    const again = new SqliteEventStore({ path });
    expect(await again.summarize({ experiment: "m" })).toEqual(before);
    expect(before.unitsInSeveralVariants).toBe(1);
    expect(before.metrics[0]?.variants).toEqual([
      { variantId: "a", n: 1, sum: 3, sumSquares: 9 },
      { variantId: "b", n: 1, sum: 0, sumSquares: 0 },
    ]);
    await again.close();
  });

  it("inserts large batches exactly once (multi-row statements plus a tail)", async () => {
    const store = new SqliteEventStore({ path: await tempPath(), synchronous: "normal" });
    const batch = Array.from({ length: 1234 }, (_, i) => ({
      type: "exposure" as const,
      eventId: `e${i % 1000}`, // 234 repeats inside the batch
      experiment: "x",
      variantId: "control",
      userId: `u${i}`,
      timestamp: new Date(1_700_000_000_000 + i),
    }));
    expect(await store.append(batch)).toEqual({ inserted: 1000, duplicates: 234 });
    expect(await store.append(batch.slice(0, 150))).toEqual({ inserted: 0, duplicates: 150 });
    expect(store.count("x")).toBe(1000);
    await store.close();
  });

  it("reports a closed store as a BackendError", async () => {
    const store = new SqliteEventStore({ path: await tempPath() });
    await store.init();
    await store.close();
    await expect(store.append([])).rejects.toMatchObject({ code: "BACKEND" });
  });

  it("is a plugin module: validates its options and resolves the path beside the manifest", async () => {
    expect(plugin.provides).toEqual(["events"]);
    expect(plugin.validateOptions({ path: "x.db", synchronous: "normal", busy_timeout_ms: 10 })).toEqual([]);
    expect(plugin.validateOptions({ path: 3, synchronous: "off", busy: 1 }).map((i) => i.key)).toEqual([
      "path",
      "synchronous",
      "busy",
    ]);
    const dir = await mkdtemp(join(tmpdir(), "assay-sqlite-plugin-"));
    const store = (await plugin.createEventStore({
      name: "events",
      options: {},
      manifestDir: dir,
    })) as SqliteEventStore;
    expect(store.path).toBe(join(dir, ".assay", "events.db"));
  });
});
