import { BackendError } from "@assay/core";
import type Database from "better-sqlite3";
import { CODE_BOOL, CODE_COUNT, CODE_EXPOSURE, CODE_NUMERIC } from "./columns.js";
import { DERIVED_TABLES } from "./derived.js";
import { DIMENSIONS } from "./dimensions.js";
import { registerExactSums } from "./exact-sums.js";
import {
  CENTRED_TOTALS,
  EVENT_ROWS,
  ROLLUP_TABLES,
  RUNNING_TOTALS,
  SCOPED_KEYS,
  VARIANT_METRIC_DAYS,
} from "./rollups.js";

/** The schema version this code writes; `PRAGMA user_version` holds the version of a database file. */
export const SQLITE_SCHEMA_VERSION = 9;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE events (
      event_id   TEXT NOT NULL UNIQUE,
      experiment TEXT NOT NULL,
      type       INTEGER NOT NULL,      -- 0 exposure, 1 outcome
      variant_id TEXT,                  -- exposures
      metric     TEXT,                  -- outcomes
      kind       TEXT,                  -- outcomes: bool | numeric | count
      value      REAL,                  -- outcomes: bool as 0/1
      user_id    TEXT,
      session_id TEXT,
      ts         INTEGER NOT NULL       -- Unix milliseconds
    );
    ${ROLLUP_TABLES}
  `,
  // Sticky assignments: a unit's first enrolled variant per experiment version (first writer wins).
  2: `
    CREATE TABLE sticky_assignments (
      experiment  TEXT NOT NULL,
      version     INTEGER NOT NULL,
      unit        TEXT NOT NULL,
      variant_id  TEXT NOT NULL,
      assigned_at INTEGER NOT NULL,   -- Unix milliseconds, when this store accepted it
      PRIMARY KEY (experiment, version, unit)
    ) WITHOUT ROWID;
    CREATE INDEX sticky_assignments_by_time ON sticky_assignments (experiment, version, assigned_at);
  `,
  // Per-variant running totals kept by the fold (see rollups.ts), filled from the per-unit rollups.
  3: RUNNING_TOTALS,
  // The daily series kept by the fold as per-variant deltas (see rollups.ts), filled from the per-unit rollups.
  4: VARIANT_METRIC_DAYS,
  // Keyed event rows. What events repeat (experiment, variant or metric, kind) moves to event_keys, so a row
  // binds three strings instead of five: a third of the writer's time went to binding strings. The rowid
  // becomes an explicit \`seq\`, the order the rollups fold in: VACUUM may renumber an implicit rowid, which
  // would have moved the fold's watermark. Rows keep their numbers. The view \`event_rows\` reads events with
  // their names, as the rollups and any ad hoc query want them.
  5: `
    CREATE TABLE event_keys (
      key        INTEGER PRIMARY KEY,
      experiment TEXT NOT NULL,
      code       INTEGER NOT NULL,     -- ${CODE_EXPOSURE} exposure; outcomes: ${CODE_BOOL} bool, ${CODE_NUMERIC} numeric, ${CODE_COUNT} count
      name       TEXT NOT NULL,        -- the variant of an exposure, the metric of an outcome
      UNIQUE (experiment, code, name)
    );
    INSERT INTO event_keys (experiment, code, name)
    SELECT DISTINCT experiment, ${codeOf("kind", "type")}, coalesce(variant_id, metric) FROM events;
    CREATE TABLE keyed_events (
      seq        INTEGER PRIMARY KEY,
      event_id   TEXT NOT NULL UNIQUE,
      key        INTEGER NOT NULL,     -- event_keys.key
      value      REAL,                 -- outcomes: bool as 0/1
      user_id    TEXT,
      session_id TEXT,
      ts         INTEGER NOT NULL      -- Unix milliseconds
    );
    INSERT INTO keyed_events (seq, event_id, key, value, user_id, session_id, ts)
    SELECT e.rowid, e.event_id, k.key, e.value, e.user_id, e.session_id, e.ts
    FROM events e JOIN event_keys k
      ON k.experiment = e.experiment AND k.code = ${codeOf("e.kind", "e.type")}
     AND k.name = coalesce(e.variant_id, e.metric)
    ORDER BY e.rowid;
    DROP TABLE events;
    ALTER TABLE keyed_events RENAME TO events;
    ${EVENT_ROWS}
  `,
  // The per-variant sums centred on a reference value (see rollups.ts), so a variance survives a large mean;
  // rebuilt from the per-unit rollups.
  6: CENTRED_TOTALS,
  // Environment, phase and manifest version on the key rows; the rollups kept per analysis scope (see rollups.ts).
  7: SCOPED_KEYS,
  // The dimensions of each exposure, and of each unit's first exposure in the fold (see dimensions.ts).
  8: DIMENSIONS,
  // Windowed metrics, CUPED covariates and ratio cross-products kept by the fold once asked for (see derived.ts).
  9: DERIVED_TABLES,
};

/** The code of an event_keys row, from the kind and type columns of a version 4 events table. */
function codeOf(kind: string, type: string): string {
  return `CASE WHEN ${type} = 0 THEN ${CODE_EXPOSURE} WHEN ${kind} = 'bool' THEN ${CODE_BOOL} WHEN ${kind} = 'numeric' THEN ${CODE_NUMERIC} ELSE ${CODE_COUNT} END`;
}

/** Brings a database file to SQLITE_SCHEMA_VERSION, in one write transaction; refuses a newer file. */
export function migrate(db: Database.Database, path: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new BackendError(
      `${path} has schema version ${current}, newer than this @assay/store-sqlite (${SQLITE_SCHEMA_VERSION}); upgrade the package`,
    );
  }
  // Version 6 and the fold sum with these (functions live on the connection, so every open registers them).
  registerExactSums(db);
  if (current === SQLITE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    let version = db.pragma("user_version", { simple: true }) as number;
    while (version < SQLITE_SCHEMA_VERSION) {
      version++;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version}`);
    }
  }).immediate();
}
