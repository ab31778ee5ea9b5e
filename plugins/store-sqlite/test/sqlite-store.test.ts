import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OutcomeValue, type StoredEvent, summarizeEvents } from "@assay/core";
import { testEventStore, testStickyStore } from "@assay/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import plugin, { SQLITE_SCHEMA_VERSION, SqliteEventStore } from "../src/index.js";

const tempPath = async () => join(await mkdtemp(join(tmpdir(), "assay-sqlite-")), "nested", "events.db");

/**
 * Turns the events of a version-5 file back into the version-4 table (names in every row, implicit rowid),
 * keeping each row's number, as a file written before version 5 has them.
 */
function eventsBackToVersion4(db: Database.Database): void {
  db.exec(`
    CREATE TABLE v4_events (
      event_id TEXT NOT NULL UNIQUE, experiment TEXT NOT NULL, type INTEGER NOT NULL, variant_id TEXT,
      metric TEXT, kind TEXT, value REAL, user_id TEXT, session_id TEXT, ts INTEGER NOT NULL
    );
    INSERT INTO v4_events (rowid, event_id, experiment, type, variant_id, metric, kind, value, user_id, session_id, ts)
    SELECT seq, event_id, experiment, type, variant_id, metric, kind, value, user_id, session_id, ts
    FROM event_rows ORDER BY seq;
    DROP VIEW event_rows;
    DROP TABLE events;
    DROP TABLE event_keys;
    ALTER TABLE v4_events RENAME TO events;
  `);
  unscopeRollups(db);
  dimensionsBackToVersion7(db);
  derivedBackToVersion8(db);
}

/** Version 9 keeps derived metrics and cross-products once asked for (derived.ts); before, none. */
function derivedBackToVersion8(db: Database.Database): void {
  for (const table of [
    "derived_metrics",
    "window_spans",
    "window_outcomes",
    "derived_unit_days",
    "derived_totals",
    "derived_days",
    "product_pairs",
    "variant_products",
    "capped_metrics",
    "unit_values",
    "breakdown_dimensions",
    "slice_units",
    "slice_metrics",
  ])
    db.exec(`DROP TABLE IF EXISTS ${table}`);
}

/** Version 8 keeps the dimensions of exposures and of each unit's first exposure; before, none. */
function dimensionsBackToVersion7(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('units')").pluck().all() as string[];
  if (columns.includes("dimensions")) db.exec("ALTER TABLE units DROP COLUMN dimensions");
}

/** Version 7 keeps the rollups per scope (experiment, environment, phase); before, per experiment. */
function unscopeRollups(db: Database.Database): void {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('units', 'unit_variants', 'variant_days', 'metric_kinds', 'unit_metric_days', 'pending_outcomes', 'variant_metrics', 'variant_first_days', 'unit_counters', 'variant_metric_days')",
    )
    .pluck()
    .all() as string[];
  for (const table of tables) {
    db.exec(`UPDATE ${table} SET experiment = substr(experiment, 1, instr(experiment, char(31)) - 1)`);
  }
}

testStickyStore("sqlite", { create: async () => new SqliteEventStore({ path: await tempPath() }) });

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
    await this.refreshRollups();
    return result;
  }
}
testEventStore("sqlite, rollups folded after every append", {
  create: async () => new RefreshingStore({ path: await tempPath(), rollupStep: 0, synchronous: "normal" }),
});

testEventStore("sqlite on the caller's thread", {
  create: async () => new SqliteEventStore({ path: await tempPath(), thread: "caller" }),
  reopen: async (store) => {
    await store.close?.();
    return new SqliteEventStore({ path: (store as SqliteEventStore).path, thread: "caller" });
  },
});

testEventStore("sqlite in memory", {
  create: async () => new SqliteEventStore({ path: ":memory:" }),
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
    db.exec(
      "DROP TABLE variant_metrics; DROP TABLE variant_first_days; DROP TABLE unit_counters; DROP TABLE variant_metric_days",
    );
    eventsBackToVersion4(db);
    db.pragma("user_version = 2");
    db.close();
    const again = new SqliteEventStore({ path });
    expect(await again.summarize({ experiment: "m" })).toEqual(before);
    expect(before.unitsInSeveralVariants).toBe(1);
    expect(before.metrics[0]?.variants).toEqual([
      { variantId: "a", n: 1, sum: 3, sumSquares: 9, sumSquaredDeviations: 0 },
      { variantId: "b", n: 1, sum: 0, sumSquares: 0, sumSquaredDeviations: 0 },
    ]);
    await again.close();
  });

  it("fills the daily series from the per-unit rollups when it migrates a version-3 file", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path });
    const at = (day: number, minute: number) => new Date(Date.UTC(2026, 0, 1 + day, 0, minute));
    const outcome = (eventId: string, userId: string, metric: string, value: OutcomeValue, time: Date) =>
      ({ type: "outcome", eventId, experiment: "m", metric, value, userId, timestamp: time }) as const;
    const events: StoredEvent[] = [
      { type: "exposure", eventId: "x1", experiment: "m", variantId: "a", userId: "u1", timestamp: at(0, 1) },
      { type: "exposure", eventId: "x2", experiment: "m", variantId: "b", userId: "u2", timestamp: at(0, 5) },
      outcome("o1", "u1", "rev", { kind: "numeric", value: 3 }, at(0, 2)),
      outcome("o2", "u1", "rev", { kind: "numeric", value: 4 }, at(2, 0)),
      outcome("o3", "u2", "rev", { kind: "numeric", value: 1.5 }, at(1, 0)),
      outcome("o4", "u2", "buy", { kind: "bool", value: true }, at(1, 1)),
      outcome("o5", "u1", "buy", { kind: "bool", value: false }, at(0, 3)),
      outcome("o6", "u1", "buy", { kind: "bool", value: true }, at(3, 0)),
      outcome("o7", "u3", "rev", { kind: "numeric", value: 9 }, at(0, 1)), // before u3's exposure
    ];
    await store.append(events);
    await store.refreshRollups();
    // a late exposure moves u2 to variant a and earlier
    const late: StoredEvent = {
      type: "exposure",
      eventId: "x3",
      experiment: "m",
      variantId: "a",
      userId: "u2",
      timestamp: at(0, 0),
    };
    await store.append([late]);
    const before = await store.summarize({ experiment: "m", daily: true });
    await store.close();
    // back to version 3: the daily deltas were computed at summary time
    const db = new Database(path);
    db.exec("DROP TABLE variant_metric_days");
    eventsBackToVersion4(db);
    db.pragma("user_version = 3");
    db.close();
    const again = new SqliteEventStore({ path });
    expect(await again.summarize({ experiment: "m", daily: true })).toEqual(before);
    expect(before).toEqual(summarizeEvents([...events, late], { experiment: "m", daily: true }));
    expect(before.daily?.map((d) => d.metrics.find((m) => m.metric === "rev")?.variants[0]?.sum)).toEqual([
      3, 4.5, 8.5, 8.5,
    ]);
    // and keeps it current from there
    const more: StoredEvent[] = [
      { type: "exposure", eventId: "x4", experiment: "m", variantId: "b", userId: "u3", timestamp: at(4, 0) },
      outcome("o8", "u3", "rev", { kind: "numeric", value: 2 }, at(4, 1)),
      outcome("o9", "u2", "rev", { kind: "numeric", value: 1 }, at(4, 2)),
    ];
    await again.append(more);
    expect(await again.summarize({ experiment: "m", daily: true })).toEqual(
      summarizeEvents([...events, late, ...more], { experiment: "m", daily: true }),
    );
    await again.close();
  });

  it("migrates a version-7 file: its exposures carried no dimensions (the null slice), new ones carry theirs", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path });
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const old: StoredEvent[] = [
      { type: "exposure", eventId: "x1", experiment: "m", variantId: "a", userId: "u1", timestamp: t(5) },
      { type: "exposure", eventId: "x2", experiment: "m", variantId: "b", userId: "u2", timestamp: t(5) },
      {
        type: "outcome",
        eventId: "o1",
        experiment: "m",
        metric: "rev",
        value: { kind: "numeric", value: 3 },
        userId: "u1",
        timestamp: t(6),
      },
    ];
    await store.append(old);
    await store.summarize({ experiment: "m" }); // folded under version 8
    await store.close();
    // back to version 7: no dimensions column on events or units
    const db = new Database(path);
    derivedBackToVersion8(db);
    db.exec(`
      DROP VIEW event_rows;
      ALTER TABLE events DROP COLUMN dimensions;
      CREATE VIEW event_rows AS
      SELECT e.seq, e.event_id, k.experiment, k.environment, k.phase,
             nullif(k.manifest_version, '') AS manifest_version, k.scope,
             CASE WHEN k.code = 0 THEN 0 ELSE 1 END AS type,
             CASE WHEN k.code = 0 THEN k.name END AS variant_id,
             CASE WHEN k.code <> 0 THEN k.name END AS metric,
             CASE k.code WHEN 1 THEN 'bool' WHEN 2 THEN 'numeric' WHEN 3 THEN 'count' END AS kind,
             e.value, e.user_id, e.session_id, e.ts
      FROM events e JOIN event_keys k ON k.key = e.key;
    `);
    dimensionsBackToVersion7(db);
    db.pragma("user_version = 7");
    db.close();
    const again = new SqliteEventStore({ path });
    const query = { experiment: "m", breakdown: "country" };
    const migrated = await again.summarize(query);
    expect(migrated.breakdown?.slices.map((s) => [s.value, s.variants.map((v) => v.exposedUnits)])).toEqual([
      [null, [1, 1]],
    ]);
    // new exposures carry their dimensions; an earlier one moves u2 into DE
    const more: StoredEvent[] = [
      {
        type: "exposure",
        eventId: "x3",
        experiment: "m",
        variantId: "a",
        userId: "u3",
        timestamp: t(7),
        dimensions: { country: "FR" },
      },
      {
        type: "exposure",
        eventId: "x4",
        experiment: "m",
        variantId: "b",
        userId: "u2",
        timestamp: t(1),
        dimensions: { country: "DE" },
      },
    ];
    await again.append(more);
    expect(await again.summarize(query)).toEqual(summarizeEvents([...old, ...more], query));
    expect((await again.summarize(query)).breakdown?.slices.map((s) => s.value)).toEqual(["DE", "FR", null]);
    await again.close();
  });

  it("keys the events of a version-4 file, keeping their order, their ids and the fold's place", async () => {
    const path = await tempPath();
    const store = new SqliteEventStore({ path, rollupStep: 0 });
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const outcome = (eventId: string, userId: string, value: OutcomeValue, minute: number): StoredEvent => ({
      type: "outcome",
      eventId,
      experiment: "m",
      metric: value.kind === "bool" ? "buy" : value.kind === "count" ? "items" : "rev",
      value,
      userId,
      timestamp: t(minute),
    });
    const folded: StoredEvent[] = [
      { type: "exposure", eventId: "x1", experiment: "m", variantId: "a", userId: "u1", timestamp: t(1) },
      { type: "exposure", eventId: "x2", experiment: "m", variantId: "b", userId: "u2", timestamp: t(1) },
      {
        type: "exposure",
        eventId: "y1",
        experiment: "other",
        variantId: "a",
        sessionId: "s1",
        timestamp: t(1),
      },
      outcome("o1", "u1", { kind: "numeric", value: 3 }, 2),
    ];
    const waiting: StoredEvent[] = [
      outcome("o2", "u2", { kind: "bool", value: true }, 3),
      outcome("o3", "u1", { kind: "count", value: 2 }, 4),
      // a tie on the timestamp is broken by the event id: x0 < x3, so u3's first exposure is in b
      { type: "exposure", eventId: "x3", experiment: "m", variantId: "a", userId: "u3", timestamp: t(5) },
      { type: "exposure", eventId: "x0", experiment: "m", variantId: "b", userId: "u3", timestamp: t(5) },
    ];
    await store.append(folded);
    await store.refreshRollups(); // the fold's watermark sits between the two appends
    await store.append(waiting);
    await store.close();
    const db = new Database(path);
    eventsBackToVersion4(db);
    db.pragma("user_version = 4");
    const v4Rows = db.prepare("SELECT rowid, event_id FROM events ORDER BY rowid").all();
    db.close();

    const again = new SqliteEventStore({ path });
    expect(await again.summarize({ experiment: "m" })).toEqual(
      summarizeEvents([...folded, ...waiting], { experiment: "m" }),
    );
    expect(await again.summarize({ experiment: "other", unit: "session" })).toEqual(
      summarizeEvents(folded, { experiment: "other", unit: "session" }),
    );
    // repeated ids are still refused after the migration; new names get new keys
    expect(await again.append([...waiting, outcome("o4", "u2", { kind: "numeric", value: 1 }, 6)])).toEqual({
      inserted: 1,
      duplicates: 4,
    });
    expect(await again.count("m")).toBe(8);
    await again.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(
      check.prepare("SELECT seq AS rowid, event_id FROM events WHERE seq <= 8 ORDER BY seq").all(),
    ).toEqual(v4Rows);
    // one key per (experiment, code, name): exposure 0, bool 1, numeric 2, count 3
    expect(
      check.prepare("SELECT experiment, code, name FROM event_keys ORDER BY 1, 2, 3").raw().all(),
    ).toEqual([
      ["m", 0, "a"],
      ["m", 0, "b"],
      ["m", 1, "buy"],
      ["m", 2, "rev"],
      ["m", 3, "items"],
      ["other", 0, "a"],
    ]);
    check.close();
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
    expect(await store.count("x")).toBe(1000);
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
    expect(
      plugin.validateOptions({ path: "x.db", synchronous: "normal", busy_timeout_ms: 10, thread: "caller" }),
    ).toEqual([]);
    const issues = plugin.validateOptions({ path: 3, synchronous: "off", busy: 1, thread: "main" });
    expect(issues.map((i) => i.key)).toEqual(["path", "synchronous", "busy", "thread"]);
    expect(issues[0]?.message).toBe("must be a non-empty file path (relative to the manifest), got number 3");
    expect(issues[1]?.message).toBe('must be "full" or "normal", got string "off"');
    expect(issues[3]?.message).toBe(
      'must be "worker" (a writer thread, the default) or "caller", got string "main"',
    );
    const dir = await mkdtemp(join(tmpdir(), "assay-sqlite-plugin-"));
    const store = (await plugin.createEventStore({
      name: "events",
      options: {},
      manifestDir: dir,
    })) as SqliteEventStore;
    expect(store.path).toBe(join(dir, ".assay", "events.db"));
  });
});
