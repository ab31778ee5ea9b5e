import { CODE_BOOL, CODE_COUNT, CODE_EXPOSURE, CODE_NUMERIC } from "./columns.js";

/**
 * Version 8: the dimensions of an exposure (the attributes its experiment declares in the manifest's
 * `dimensions`, e.g. country and platform) as one JSON object in `events.dimensions` (keys sorted, NULL when it
 * carried none, as every earlier event did), and per unit the dimensions of its FIRST exposure in
 * `units.dimensions`, kept by the fold with the unit's variant (a late exposure that happened earlier moves both).
 * Adding nullable columns rewrites no row. A breakdown reads `units.dimensions` joined to the per-unit rollups at
 * summary time, so it costs O(units) (see engine.ts). The view `event_rows` gains the column.
 */
export const DIMENSIONS = `
  ALTER TABLE events ADD COLUMN dimensions TEXT;
  ALTER TABLE units ADD COLUMN dimensions TEXT;
  DROP VIEW event_rows;
  CREATE VIEW event_rows AS
  SELECT e.seq, e.event_id, k.experiment, k.environment, k.phase,
         nullif(k.manifest_version, '') AS manifest_version, k.scope,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN 0 ELSE 1 END AS type,
         CASE WHEN k.code = ${CODE_EXPOSURE} THEN k.name END AS variant_id,
         CASE WHEN k.code <> ${CODE_EXPOSURE} THEN k.name END AS metric,
         CASE k.code WHEN ${CODE_BOOL} THEN 'bool' WHEN ${CODE_NUMERIC} THEN 'numeric' WHEN ${CODE_COUNT} THEN 'count' END AS kind,
         e.value, e.user_id, e.session_id, e.ts, e.dimensions
  FROM events e JOIN event_keys k ON k.key = e.key;
`;
