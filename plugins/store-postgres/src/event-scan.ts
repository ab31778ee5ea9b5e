import {
  DEFAULT_ENVIRONMENT,
  DEFAULT_PHASE,
  decodeDimensions,
  type EventScanPage,
  type EventScanQuery,
  InvalidContextError,
  type StoredEvent,
} from "@assay/core";
import type pg from "pg";

interface ScanRow {
  xid: string;
  event_id: string;
  type: number;
  variant_id: string | null;
  metric: string | null;
  kind: "bool" | "numeric" | "count" | null;
  value: number | null;
  user_id: string | null;
  session_id: string | null;
  ts: string;
  environment: string;
  phase: number;
  manifest_version: string | null;
  dimensions: string | null;
}

/**
 * One page of an experiment's events ordered by (writing transaction, event id), see EventStore.scanEvents.
 * Only rows of transactions below the snapshot's xmin are read: every transaction there has ended, so no
 * later commit can land below the cursor. Rows of a transaction still open (and those after it) wait for the
 * next page.
 */
export async function scanEventRows(
  pool: pg.Pool,
  schema: string,
  query: EventScanQuery,
): Promise<EventScanPage> {
  const [xid, eventId] = parseCursor(query.after);
  const { rows } = await pool.query<ScanRow>(
    `SELECT xid::text AS xid, event_id, type, variant_id, metric, kind, value, user_id, session_id, ts,
            environment, phase, manifest_version, dimensions
     FROM ${schema}.events
     WHERE experiment = $1 AND ts >= $2
       AND xid < pg_snapshot_xmin(pg_current_snapshot())
       AND (xid, event_id) > ($3::xid8, $4::text)
     ORDER BY xid, event_id
     LIMIT $5`,
    [query.experiment, query.since?.getTime() ?? 0, xid, eventId, query.limit],
  );
  const last = rows.at(-1);
  return {
    events: rows.map((row) => eventOf(query.experiment, row)),
    cursor: last === undefined ? query.after : JSON.stringify([last.xid, last.event_id]),
  };
}

function parseCursor(after: string | undefined): [string, string] {
  if (after === undefined) return ["0", ""];
  try {
    const parsed: unknown = JSON.parse(after);
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      /^\d{1,20}$/.test(parsed[0]) &&
      typeof parsed[1] === "string"
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // refused below
  }
  throw new InvalidContextError(`scanEvents: cursor ${JSON.stringify(after)} is not one of this store's`);
}

function eventOf(experiment: string, row: ScanRow): StoredEvent {
  const unit = {
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    // absent means the default, as when appended (see ExposureEvent)
    ...(row.environment === DEFAULT_ENVIRONMENT ? {} : { environment: row.environment }),
    ...(row.phase === DEFAULT_PHASE ? {} : { phase: row.phase }),
  };
  const base = { eventId: row.event_id, ...unit, timestamp: new Date(Number(row.ts)) };
  if (row.type === 0) {
    return {
      type: "exposure",
      experiment,
      variantId: row.variant_id ?? "",
      ...base,
      ...(row.manifest_version === null ? {} : { manifestVersion: row.manifest_version }),
      ...(row.dimensions === null ? {} : { dimensions: decodeDimensions(row.dimensions)! }),
    };
  }
  const raw = row.value ?? 0;
  const value =
    row.kind === "bool"
      ? ({ kind: "bool", value: raw !== 0 } as const)
      : row.kind === "count"
        ? ({ kind: "count", value: raw } as const)
        : ({ kind: "numeric", value: raw } as const);
  return { type: "outcome", experiment, metric: row.metric ?? "", value, ...base };
}
