import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_PHASE,
  decodeDimensions,
  type EventScanPage,
  type EventScanQuery,
  InvalidContextError,
  type StoredEvent,
} from "@assay/core";
import type Database from "better-sqlite3";
import { CODE_BOOL, CODE_COUNT, CODE_EXPOSURE } from "./columns.js";

interface ScanRow {
  seq: number;
  event_id: string;
  code: number;
  name: string;
  value: number | null;
  user_id: string | null;
  session_id: string | null;
  ts: number;
  environment: string;
  phase: number;
  manifest_version: string;
  dimensions: string | null;
}

/**
 * One page of an experiment's events in `seq` order (see EventStore.scanEvents). SQLite's writers are
 * serialized, so `seq` grows in commit order and a cursor (the last `seq` read) never skips a later commit.
 */
export function scanEventRows(db: Database.Database, query: EventScanQuery): EventScanPage {
  const after = query.after === undefined ? 0 : Number(query.after);
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new InvalidContextError(
      `scanEvents: cursor ${JSON.stringify(query.after)} is not one of this store's`,
    );
  }
  const rows = db
    .prepare(
      `SELECT e.seq, e.event_id, k.code, k.name, e.value, e.user_id, e.session_id, e.ts, k.environment, k.phase,
              k.manifest_version, e.dimensions
       FROM events e JOIN event_keys k ON k.key = e.key
       WHERE k.experiment = ? AND e.seq > ? AND e.ts >= ?
       ORDER BY e.seq LIMIT ?`,
    )
    .all(query.experiment, after, query.since?.getTime() ?? 0, query.limit) as ScanRow[];
  const events = rows.map((row) => eventOf(query.experiment, row));
  const last = rows.at(-1);
  return { events, cursor: last === undefined ? query.after : String(last.seq) };
}

function eventOf(experiment: string, row: ScanRow): StoredEvent {
  const unit = {
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    // absent means the default, as when appended (see ExposureEvent)
    ...(row.environment === DEFAULT_ENVIRONMENT ? {} : { environment: row.environment }),
    ...(row.phase === DEFAULT_PHASE ? {} : { phase: row.phase }),
  };
  const timestamp = new Date(row.ts);
  if (row.code === CODE_EXPOSURE) {
    return {
      type: "exposure",
      eventId: row.event_id,
      experiment,
      variantId: row.name,
      ...unit,
      timestamp,
      ...(row.manifest_version === "" ? {} : { manifestVersion: row.manifest_version }),
      ...(row.dimensions === null ? {} : { dimensions: decodeDimensions(row.dimensions)! }),
    };
  }
  const raw = row.value ?? 0;
  const value =
    row.code === CODE_BOOL
      ? ({ kind: "bool", value: raw !== 0 } as const)
      : row.code === CODE_COUNT
        ? ({ kind: "count", value: raw } as const)
        : ({ kind: "numeric", value: raw } as const);
  return { type: "outcome", eventId: row.event_id, experiment, metric: row.name, value, ...unit, timestamp };
}
