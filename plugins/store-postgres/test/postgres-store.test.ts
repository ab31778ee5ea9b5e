import { type OutcomeValue, type StoredEvent, summarizeEvents } from "@assay/core";
import { testEventStore, testStickyStore } from "@assay/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import plugin, { migrate, POSTGRES_SCHEMA_VERSION, PostgresEventStore } from "../src/index.js";
import { POSTGRES_URL, uniqueSchema } from "./postgres-url.js";

const schemas: string[] = [];
const schemaFor = (label: string) => {
  const schema = uniqueSchema(label);
  schemas.push(schema);
  return schema;
};

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const suiteSchema = schemaFor("suite");
testStickyStore("postgres", {
  create: async () => new PostgresEventStore({ connectionString: POSTGRES_URL, schema: suiteSchema }),
});

testEventStore("postgres", {
  create: () => new PostgresEventStore({ connectionString: POSTGRES_URL, schema: suiteSchema }),
  reopen: async (store) => {
    await store.close?.();
    return new PostgresEventStore({ connectionString: POSTGRES_URL, schema: suiteSchema });
  },
});

/** Folds after every append, so the suite checks the incremental path step by step. */
class FoldingStore extends PostgresEventStore {
  override async append(batch: Parameters<PostgresEventStore["append"]>[0]) {
    const result = await super.append(batch);
    await this.foldAll();
    return result;
  }
}
const foldingSchema = schemaFor("folding");
testEventStore("postgres, rollups folded after every append", {
  create: () => new FoldingStore({ connectionString: POSTGRES_URL, schema: foldingSchema, foldStep: 0 }),
});

const exposure = (eventId: string, userId: string): StoredEvent => ({
  type: "exposure",
  eventId,
  experiment: "x",
  variantId: "control",
  userId,
  timestamp: new Date(1_767_225_600_000),
});

/** SQL taking a version-11 schema back to version 10: no derived metrics, products or unit values. */
function beforeVersion11(schema: string): string {
  const tables = [
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
  ];
  return [
    ...tables.map((t) => `DROP TABLE ${schema}.${t}`),
    `DELETE FROM ${schema}.assay_migrations WHERE version = 11`,
  ].join(";\n");
}

/** SQL taking a version-10 schema back to version 9: no dimensions on events or units. */
function beforeVersion10(schema: string): string {
  return [
    beforeVersion11(schema),
    `ALTER TABLE ${schema}.events DROP COLUMN dimensions`,
    `ALTER TABLE ${schema}.units DROP COLUMN dimensions`,
    `DELETE FROM ${schema}.assay_migrations WHERE version = 10`,
  ].join(";\n");
}

/** SQL taking a version-9 schema back to version 8: no environment, phase or manifest version; rollups per experiment. */
function beforeVersion9(schema: string): string {
  const rollups = [
    "units",
    "unit_variants",
    "variant_days",
    "metric_kinds",
    "unit_metric_days",
    "pending_outcomes",
    "variant_metrics",
    "variant_first_days",
    "unit_counters",
    "variant_metric_days",
  ];
  return [
    beforeVersion10(schema),
    `ALTER TABLE ${schema}.events DROP COLUMN environment, DROP COLUMN phase, DROP COLUMN manifest_version`,
    `DROP TABLE ${schema}.scopes`,
    `ALTER TABLE ${schema}.sticky_assignments DROP COLUMN environment`,
    `ALTER TABLE ${schema}.sticky_assignments ADD PRIMARY KEY (experiment, version, unit)`,
    `CREATE INDEX sticky_assignments_by_time ON ${schema}.sticky_assignments (experiment, version, assigned_at)`,
    ...rollups.map((t) => `UPDATE ${schema}.${t} SET experiment = split_part(experiment, chr(31), 1)`),
    `DELETE FROM ${schema}.assay_migrations WHERE version = 9`,
  ].join(";\n");
}
describe("PostgresEventStore", () => {
  it("creates its schema, and migrates an older one step by step, folding the events it held", async () => {
    const schema = schemaFor("migrate");
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    const client = await pool.connect();
    expect(await migrate(client, schema, 1)).toBe(1); // a database left at version 1, with events
    await client.query(
      `INSERT INTO ${schema}.events (event_id, experiment, type, variant_id, metric, kind, value, user_id, ts)
       VALUES ('a', 'old', 0, 'control', NULL, NULL, NULL, 'u1', 1000),
              ('b', 'old', 1, NULL, 'buy', 'bool', 1, 'u1', 2000)`,
    );
    client.release();
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema });
    await store.init();
    const versions = await pool.query(`SELECT version FROM ${schema}.assay_migrations ORDER BY version`);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const collation = await pool.query(
      `SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
       WHERE a.attrelid = '${schema}.events'::regclass AND a.attname = 'event_id'`,
    );
    expect(collation.rows).toEqual([{ collname: "C" }]); // version 7: ids compare byte by byte
    const summary = await store.summarize({ experiment: "old" });
    expect(summary.variants).toEqual([{ variantId: "control", exposedUnits: 1, exposures: 1 }]);
    expect(summary.metrics[0]?.variants[0]).toEqual({
      variantId: "control",
      n: 1,
      sum: 1,
      sumSquares: 1,
      sumSquaredDeviations: 0,
    });
    // a newer database is refused
    await pool.query(`INSERT INTO ${schema}.assay_migrations (version) VALUES ($1)`, [
      POSTGRES_SCHEMA_VERSION + 1,
    ]);
    const newer = new PostgresEventStore({ connectionString: POSTGRES_URL, schema });
    await expect(newer.init()).rejects.toMatchObject({
      code: "BACKEND",
      message: expect.stringContaining("newer than this @assay/store-postgres"),
    });
    await Promise.all([store.close(), newer.close(), pool.end()]);
  });

  it("migrates once when several instances start together, and stores each event once across them", async () => {
    const schema = schemaFor("shared");
    const stores = Array.from(
      { length: 4 },
      () => new PostgresEventStore({ connectionString: POSTGRES_URL, schema }),
    );
    await Promise.all(stores.map((s) => s.init()));
    const batch = Array.from({ length: 500 }, (_, i) => exposure(`e${i}`, `u${i}`));
    const results = await Promise.all(stores.map((s) => s.append(batch)));
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(500);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(1500);
    expect(await stores[0]!.count("x")).toBe(500);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("commits concurrent batches that share ids in opposite orders without a deadlock", async () => {
    const schema = schemaFor("order");
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
    await store.init();
    await Promise.all([store.count("x"), store.count("x"), store.count("x")]); // three open connections
    const batch = Array.from({ length: 20_000 }, (_, i) => exposure(`d${i}`, `u${i}`));
    const reversed = [...batch].reverse();
    // Unsorted, each transaction would lock ids the other needs next; PostgreSQL would abort one of them with
    // "deadlock detected" after deadlock_timeout. In id order they only wait for each other.
    const started = Date.now();
    const results = await Promise.all([store.append(batch), store.append(reversed), store.append(batch)]);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(20_000);
    expect(await store.count("x")).toBe(20_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    await store.close();
  });

  it("moves a version-3 database from the fold queue to transaction ids without folding anything twice", async () => {
    const schema = schemaFor("queue");
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    const client = await pool.connect();
    expect(await migrate(client, schema, 3)).toBe(3);
    // one exposure already folded into the rollups, one still waiting in the queue
    await client.query(
      `INSERT INTO ${schema}.events (event_id, experiment, type, variant_id, user_id, ts)
       VALUES ('folded', 'm', 0, 'control', 'u1', 1000), ('queued', 'm', 0, 'control', 'u2', 2000);
       INSERT INTO ${schema}.unfolded SELECT * FROM ${schema}.events WHERE event_id = 'queued';
       INSERT INTO ${schema}.units VALUES ('m', 'u', 'u:u1', 'control', 1000, 'folded');
       INSERT INTO ${schema}.unit_variants VALUES ('m', 'u', 'u:u1', 'control', 1);
       INSERT INTO ${schema}.variant_days VALUES ('m', 'u', 'control', 0, 1);`,
    );
    client.release();
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
    const summary = await store.summarize({ experiment: "m" });
    expect(summary.variants).toEqual([{ variantId: "control", exposedUnits: 2, exposures: 2 }]);
    await Promise.all([store.close(), pool.end()]);
  });

  it("fills the daily series from the per-unit rollups when it migrates a version-5 database", async () => {
    const schema = schemaFor("daily");
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
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
    await store.append(events);
    await store.foldAll();
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
    // back to version 5: the daily deltas were computed at summary time, event ids compared by the database's
    // collation
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    await pool.query(
      `${beforeVersion9(schema)};
       DROP TABLE ${schema}.variant_metric_days;
       ALTER TABLE ${schema}.events ALTER COLUMN event_id TYPE text COLLATE "default";
       DELETE FROM ${schema}.assay_migrations WHERE version >= 6`,
    );
    const again = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
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
    await Promise.all([again.close(), pool.end()]);
  });

  it("migrates a version-9 database: its exposures carried no dimensions (the null slice), new ones carry theirs", async () => {
    const schema = schemaFor("dims");
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
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
    await store.summarize({ experiment: "m" }); // folded under version 10
    await store.close();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    await pool.query(beforeVersion10(schema));
    const again = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
    const query = { experiment: "m", breakdown: "country" };
    const migrated = await again.summarize(query);
    expect(migrated.breakdown?.slices.map((s) => [s.value, s.variants.map((v) => v.exposedUnits)])).toEqual([
      [null, [1, 1]],
    ]);
    const versions = await pool.query(`SELECT max(version) AS v FROM ${schema}.assay_migrations`);
    expect(versions.rows[0]?.v).toBe(POSTGRES_SCHEMA_VERSION);
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
    const after = await again.summarize(query);
    expect(after).toEqual(summarizeEvents([...old, ...more], query));
    expect(after.breakdown?.slices.map((s) => s.value)).toEqual(["DE", "FR", null]);
    await Promise.all([again.close(), pool.end()]);
  });

  it("folds every committed row exactly once around a transaction that stays open", async () => {
    const schema = schemaFor("xids");
    const store = new PostgresEventStore({ connectionString: POSTGRES_URL, schema, foldStep: 0 });
    await store.init();
    const long = new pg.Client({ connectionString: POSTGRES_URL });
    await long.connect();
    await long.query("BEGIN");
    await long.query(
      `INSERT INTO ${schema}.events (event_id, experiment, type, variant_id, user_id, ts)
       VALUES ('late', 'x', 0, 'control', 'u-late', 1767225600000)`,
    );
    const totals = async () => {
      const summary = await store.summarize({ experiment: "x" });
      return [summary.variants[0]?.exposedUnits ?? 0, summary.variants[0]?.exposures ?? 0];
    };
    await store.append([exposure("e1", "u1")]); // commits while the older transaction is still open
    expect(await totals()).toEqual([1, 1]);
    await store.append([exposure("e2", "u2")]);
    expect(await totals()).toEqual([2, 2]); // e1 is not folded a second time
    await long.query("COMMIT");
    await long.end();
    expect(await totals()).toEqual([3, 3]);
    expect(await totals()).toEqual([3, 3]);
    await store.close();
  });

  it("reports an unreachable server as a BackendError", async () => {
    const store = new PostgresEventStore({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectTimeoutMs: 1000,
    });
    await expect(store.append([exposure("e", "u")])).rejects.toMatchObject({
      name: "BackendError",
      message: expect.stringContaining("could not connect to PostgreSQL"),
    });
    await store.close();
  });

  it("is a plugin module that validates its options", () => {
    expect(plugin.provides).toEqual(["events"]);
    expect(plugin.validateOptions({ url: POSTGRES_URL, schema: "app_events", max_connections: 8 })).toEqual(
      [],
    );
    const issues = plugin.validateOptions({
      url: "mysql://app:s3cret@db/app",
      schema: "Bad-Name",
      max_connections: 0,
      pool: 1,
    });
    expect(issues.map((i) => i.key)).toEqual(["url", "schema", "max_connections", "pool"]);
    // each names the value it refuses, but never the URL past its scheme: a connection URL can hold a password
    expect(issues.map((i) => i.message).slice(0, 3)).toEqual([
      'must be a postgres:// connection URL, got a "mysql:" URL',
      'must be lower-case letters, digits and _ (at most 63), got string "Bad-Name"',
      "must be a positive integer, got number 0",
    ]);
    expect(JSON.stringify(issues)).not.toContain("s3cret");
    expect(() => new PostgresEventStore({ connectionString: POSTGRES_URL, schema: "x; DROP" })).toThrow(
      RangeError,
    );
  });
});
