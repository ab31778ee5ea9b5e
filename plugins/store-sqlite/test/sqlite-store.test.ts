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
