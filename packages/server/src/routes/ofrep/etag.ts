import { createHash } from "node:crypto";

/** A strong ETag of a response body: the same bytes, the same tag, whoever asks. */
export function etagOf(body: string): string {
  return `"${createHash("sha1").update(body).digest("base64url")}"`;
}

/**
 * Whether `If-None-Match` names `etag` (RFC 9110 weak comparison: `W/` is ignored), or is `*`. A list is
 * comma-separated; anything unparsable simply does not match.
 */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.length > 4096) return false;
  if (header.trim() === "*") return true;
  for (const part of header.split(",")) {
    let tag = part.trim();
    if (tag.startsWith("W/")) tag = tag.slice(2);
    if (tag === etag) return true;
  }
  return false;
}
