import { createHash } from "node:crypto";

/**
 * The content hash a manifest version is known by: `sha256:` and the first 16 hex digits of the SHA-256 of
 * its text. Equal texts give equal versions on every instance, so an exposure's version names the manifest
 * it was assigned under wherever it was recorded.
 */
export function manifestVersionOf(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/**
 * The version of a manifest handed over already parsed (no text): the hash of its experiments and flags as
 * parsed, so two clients given the same object agree.
 */
export function parsedManifestVersion(value: unknown): string {
  return manifestVersionOf(JSON.stringify(value));
}
