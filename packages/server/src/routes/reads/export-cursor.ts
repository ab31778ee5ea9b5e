/** The cursor of `GET /v1/export` could not be read, or belongs to another experiment. HTTP 400. */
export class ExportCursorError extends Error {
  override readonly name = "ExportCursorError";
  readonly statusCode = 400;
}

/**
 * The export's opaque cursor: the experiment and the store's own cursor, base64url-encoded JSON, so a
 * cursor of one experiment cannot be replayed against another and the store's format stays private.
 */
export function encodeCursor(experiment: string, storeCursor: string): string {
  return Buffer.from(JSON.stringify({ e: experiment, c: storeCursor })).toString("base64url");
}

/** The store's cursor inside `cursor`; throws ExportCursorError when it is not one of `experiment`'s. */
export function decodeCursor(cursor: string, experiment: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ExportCursorError("cursor is not a cursor this server gave out (copy x-next-cursor as it is)");
  }
  const { e, c } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as {
    e?: unknown;
    c?: unknown;
  };
  if (typeof e !== "string" || typeof c !== "string") {
    throw new ExportCursorError("cursor is not a cursor this server gave out (copy x-next-cursor as it is)");
  }
  if (e !== experiment) {
    throw new ExportCursorError(
      `cursor belongs to experiment ${JSON.stringify(e)}, not ${JSON.stringify(experiment)}`,
    );
  }
  return c;
}
