import { BackendError } from "@assay/core";
import type Database from "better-sqlite3";
import { ROLLUP_TABLES, RUNNING_TOTALS, VARIANT_METRIC_DAYS } from "./rollups.js";

/** The schema version this code writes; `PRAGMA user_version` holds the version of a database file. */
export const SQLITE_SCHEMA_VERSION = 4;

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
};

/** Brings a database file to SQLITE_SCHEMA_VERSION, in one write transaction; refuses a newer file. */
export function migrate(db: Database.Database, path: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new BackendError(
      `${path} has schema version ${current}, newer than this @assay/store-sqlite (${SQLITE_SCHEMA_VERSION}); upgrade the package`,
    );
  }
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
